"""Evidence files keep their SHA-256, named in the decision's xAPI attachment

Revision ID: 0011_evidence_hash
Revises: 0010_session_public_id
Create Date: 2026-12-03 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_evidence_hash'
down_revision = '0010_session_public_id'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competence_validations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('competence_validations', schema=None) as batch_op:
        batch_op.drop_column('attachment_sha256')

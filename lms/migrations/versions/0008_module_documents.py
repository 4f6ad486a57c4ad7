"""modules: downloadable documents (Markdown in both languages, running case filled in)

Revision ID: 0008_module_documents
Revises: 0007_invitations
Create Date: 2026-12-03 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_module_documents'
down_revision = '0007_invitations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documents', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('documents')

"""invitations: users.invited_at, link_requests

Revision ID: 0007_invitations
Revises: 0006_delivery
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil


# revision identifiers, used by Alembic.
revision = '0007_invitations'
down_revision = '0006_delivery'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True))
    op.create_table('link_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_requests'))
    )
    with op.batch_alter_table('link_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_requests_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_requests_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_requests_ip'), ['ip'], unique=False)


def downgrade():
    with op.batch_alter_table('link_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_requests_ip'))
        batch_op.drop_index(batch_op.f('ix_link_requests_email'))
        batch_op.drop_index(batch_op.f('ix_link_requests_at'))
    op.drop_table('link_requests')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('invited_at')

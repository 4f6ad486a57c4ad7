"""Each LRS endpoint chooses how people are identified in what it receives

Revision ID: 0018_endpoint_actor_identity
Revises: 0017_notification_opt_outs
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018_endpoint_actor_identity'
down_revision = '0017_notification_opt_outs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('xapi_endpoints', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('actor_identity', sa.String(length=16), server_default='mbox', nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_xapi_endpoints_actor_identity'), "actor_identity IN ('mbox', 'mbox_sha1sum', 'account')"
        )


def downgrade():
    with op.batch_alter_table('xapi_endpoints', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_xapi_endpoints_actor_identity'), type_='check')
        batch_op.drop_column('actor_identity')

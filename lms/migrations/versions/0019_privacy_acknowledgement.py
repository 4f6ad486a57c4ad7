"""Users acknowledge the privacy notice at their first login

Revision ID: 0019_privacy_acknowledgement
Revises: 0018_endpoint_actor_identity
Create Date: 2026-12-03 10:20:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil


revision = '0019_privacy_acknowledgement'
down_revision = '0018_endpoint_actor_identity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('privacy_acknowledged_at', lms.timeutil.UTCDateTime(), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('privacy_acknowledged_at')

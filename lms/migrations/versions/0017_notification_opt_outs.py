"""notification opt-outs: the e-mail notifications each user switched off

Revision ID: 0017_notification_opt_outs
Revises: 0016_credentials
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_notification_opt_outs'
down_revision = '0016_credentials'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_opt_outs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_opt_outs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_opt_outs'))
    )


def downgrade():
    op.drop_table('notification_opt_outs')

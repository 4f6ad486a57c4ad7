"""live sessions get a UUID, their xAPI identity outside this database

Revision ID: 0010_session_public_id
Revises: 0009_practice_attempts
Create Date: 2026-12-03 07:00:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0010_session_public_id'
down_revision = '0009_practice_attempts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.Uuid(), nullable=True))
    sessions = sa.table('live_sessions', sa.column('id', sa.Integer), sa.column('public_id', sa.Uuid))
    connection = op.get_bind()
    for (session_id,) in connection.execute(sa.select(sessions.c.id)).all():
        connection.execute(
            sessions.update().where(sessions.c.id == session_id).values(public_id=uuid.uuid4())
        )
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_live_sessions_public_id'), ['public_id'])


def downgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_live_sessions_public_id'), type_='unique')
        batch_op.drop_column('public_id')

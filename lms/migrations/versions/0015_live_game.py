"""live sessions as a game: practice or assessed, points per question, leaderboard

Revision ID: 0015_live_game
Revises: 0014_api_tokens
Create Date: 2026-12-03 09:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_live_game'
down_revision = '0014_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    # Sessions held before were assessed: their attempts counted when they covered the unit.
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assessed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('speed_bonus', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('leaderboard', sa.String(length=10), server_default='off', nullable=False))
        batch_op.create_check_constraint(
            batch_op.f('ck_live_sessions_leaderboard'), "leaderboard IN ('off', 'names', 'pseudonyms')"
        )
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.alter_column('assessed', server_default=None)
        batch_op.alter_column('speed_bonus', server_default=None)
        batch_op.alter_column('leaderboard', server_default=None)
    with op.batch_alter_table('live_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonym', sa.String(length=40), nullable=True))
    op.create_table('live_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('live_session_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('fraction', sa.Float(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.CheckConstraint('points >= 0', name=op.f('ck_live_scores_points')),
    sa.ForeignKeyConstraint(['live_session_id'], ['live_sessions.id'], name=op.f('fk_live_scores_live_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['live_participants.id'], name=op.f('fk_live_scores_participant_id_live_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_scores')),
    sa.UniqueConstraint('participant_id', 'position', name=op.f('uq_live_scores_participant_id_position'))
    )
    with op.batch_alter_table('live_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_scores_live_session_id'), ['live_session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('live_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_scores_live_session_id'))
    op.drop_table('live_scores')
    with op.batch_alter_table('live_participants', schema=None) as batch_op:
        batch_op.drop_column('pseudonym')
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_live_sessions_leaderboard'), type_='check')
        batch_op.drop_column('leaderboard')
        batch_op.drop_column('speed_bonus')
        batch_op.drop_column('assessed')

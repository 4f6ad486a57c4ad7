"""credentials: Open Badges credentials earned by decisions, and the issuer's profile

Revision ID: 0016_credentials
Revises: 0015_live_game
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil


# revision identifiers, used by Alembic.
revision = '0016_credentials'
down_revision = '0015_live_game'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credential_issuer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('image_url', sa.String(length=500), nullable=False),
    sa.Column('updated_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_issuer'))
    )
    op.create_table('credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('document', sa.Text(), nullable=True),
    sa.Column('key_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('unit', 'competence')", name=op.f('ck_credentials_kind')),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_credentials_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['competence_validations.id'], name=op.f('fk_credentials_decision_id_competence_validations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    sa.UniqueConstraint('public_id', name=op.f('uq_credentials_public_id'))
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credentials_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credentials_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index('uq_credentials_standing', ['coach_id', 'kind', 'code'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade():
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index('uq_credentials_standing', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_credentials_decision_id'))
        batch_op.drop_index(batch_op.f('ix_credentials_coach_id'))
    op.drop_table('credentials')
    op.drop_table('credential_issuer')

"""competence validations

Revision ID: 0005_competence
Revises: 0004_quiz_attempts
Create Date: 2026-11-23 15:52:21.704188

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil


# revision identifiers, used by Alembic.
revision = '0005_competence'
down_revision = '0004_quiz_attempts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('competence_validations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=10), nullable=False),
    sa.Column('modality', sa.String(length=12), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('live_session_id', sa.Integer(), nullable=True),
    sa.Column('rubric', sa.JSON(), nullable=True),
    sa.Column('rubric_points', sa.Float(), nullable=True),
    sa.Column('rubric_max', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('attachment_path', sa.String(length=255), nullable=True),
    sa.Column('attachment_name', sa.String(length=255), nullable=True),
    sa.Column('attachment_type', sa.String(length=8), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('statement_id', sa.Uuid(), nullable=False),
    sa.Column('revoked_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('void_statement_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint("decision IN ('validated', 'not_validated')", name=op.f('ck_competence_validations_decision')),
    sa.CheckConstraint("modality IN ('quiz', 'test', 'observation', 'jury', 'debriefing')", name=op.f('ck_competence_validations_modality')),
    sa.CheckConstraint('(revoked_at IS NULL) = (revoked_by_id IS NULL)', name=op.f('ck_competence_validations_revoked_by')),
    sa.CheckConstraint('(revoked_at IS NULL) = (void_statement_id IS NULL)', name=op.f('ck_competence_validations_revoked_iff_voided')),
    sa.CheckConstraint('attachment_size IS NULL OR attachment_size >= 0', name=op.f('ck_competence_validations_attachment_size')),
    sa.CheckConstraint('automatic OR decided_by_id IS NOT NULL', name=op.f('ck_competence_validations_decided_by')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_competence_validations_attempt_id_attempts')),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_competence_validations_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_competence_validations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_competence_validations_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competence_validations')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_competence_validations_statement_id')),
    sa.UniqueConstraint('void_statement_id', name=op.f('uq_competence_validations_void_statement_id'))
    )
    with op.batch_alter_table('competence_validations', schema=None) as batch_op:
        batch_op.create_index('ix_competence_validations_coach_unit', ['coach_id', 'unit_code', 'decided_at'], unique=False)
        batch_op.create_index('uq_competence_validations_current', ['coach_id', 'unit_code'], unique=True, sqlite_where=sa.text("decision = 'validated' AND revoked_at IS NULL"), postgresql_where=sa.text("decision = 'validated' AND revoked_at IS NULL"))


def downgrade():
    with op.batch_alter_table('competence_validations', schema=None) as batch_op:
        batch_op.drop_index('uq_competence_validations_current', sqlite_where=sa.text("decision = 'validated' AND revoked_at IS NULL"), postgresql_where=sa.text("decision = 'validated' AND revoked_at IS NULL"))
        batch_op.drop_index('ix_competence_validations_coach_unit')

    op.drop_table('competence_validations')

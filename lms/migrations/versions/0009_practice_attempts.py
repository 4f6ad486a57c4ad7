"""attempts: results whose questions do not cover every skill of their unit become practice

Revision ID: 0009_practice_attempts
Revises: 0008_module_documents
Create Date: 2026-12-03 07:40:00

"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_practice_attempts'
down_revision = '0008_module_documents'
branch_labels = None
depends_on = None

attempts = sa.table(
    'attempts', sa.column('id', sa.Integer), sa.column('module_code', sa.String),
    sa.column('proposed_status', sa.String),
)
slots = sa.table(
    'attempt_slots', sa.column('attempt_id', sa.Integer),
    sa.column('question_version_id', sa.Integer),
)
versions = sa.table('question_versions', sa.column('id', sa.Integer), sa.column('definition', sa.JSON))
skills = sa.table(
    'skills', sa.column('code', sa.String), sa.column('unit_id', sa.Integer),
    sa.column('active', sa.Boolean),
)
units = sa.table('units', sa.column('id', sa.Integer), sa.column('code', sa.String))


def upgrade():
    """The rule of lms/competence/assessment.py, applied once to the results recorded before."""
    bind = op.get_bind()
    unit_skills = defaultdict(set)
    for unit, skill in bind.execute(
        sa.select(units.c.code, skills.c.code)
        .join(skills, skills.c.unit_id == units.c.id)
        .where(skills.c.active.is_(True))
    ):
        unit_skills[unit].add(skill)
    covered = defaultdict(set)
    modules = {}
    for attempt_id, module_code, definition in bind.execute(
        sa.select(attempts.c.id, attempts.c.module_code, versions.c.definition)
        .join(slots, slots.c.attempt_id == attempts.c.id)
        .join(versions, versions.c.id == slots.c.question_version_id)
        .where(attempts.c.proposed_status.is_not(None), attempts.c.proposed_status != 'practice')
    ):
        modules[attempt_id] = module_code
        covered[attempt_id].update((definition or {}).get('skills') or [])
    practice = [
        attempt_id for attempt_id, module_code in modules.items()
        if unit_skills[module_code] - covered[attempt_id]
    ]
    for start in range(0, len(practice), 500):
        bind.execute(
            attempts.update()
            .where(attempts.c.id.in_(practice[start:start + 500]))
            .values(proposed_status='practice')
        )


def downgrade():
    # What each result proposed before is not kept; its score is, and the next grading recomputes.
    pass

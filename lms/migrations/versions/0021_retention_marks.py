"""Retention: an attempt's answers and a decision's evidence file record when they were deleted

Revision ID: 0021_retention_marks
Revises: 0020_user_xapi_accounts
Create Date: 2026-12-03 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil


revision = '0021_retention_marks'
down_revision = '0020_user_xapi_accounts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('answers_deleted_at', lms.timeutil.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table('competence_validations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('attachment_deleted_at', lms.timeutil.UTCDateTime(), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('competence_validations', schema=None) as batch_op:
        batch_op.drop_column('attachment_deleted_at')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('answers_deleted_at')

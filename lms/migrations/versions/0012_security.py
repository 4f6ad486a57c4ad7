"""security: login sessions held by the server; record codes stored, not derived from the key

Revision ID: 0012_security
Revises: 0011_evidence_hash
Create Date: 2026-12-03 07:00:00

The codes already printed were an HMAC of the secret key: they are computed once more here,
with the key in use until now (``LMS_SECRET_KEY``, or the fixed key that earlier versions used
when it was unset), and stored, so every printed record stays verifiable.
"""
import hashlib
import hmac
import os

from alembic import op
import sqlalchemy as sa

import lms.timeutil


# revision identifiers, used by Alembic.
revision = '0012_security'
down_revision = '0011_evidence_hash'
branch_labels = None
depends_on = None

# The key earlier versions signed with when LMS_SECRET_KEY was unset; used here only to
# recompute the codes they printed, never to sign anything.
_EARLIER_DEFAULT_KEY = "development-only-secret-key-change-me"


def _fingerprint(coach_id, statement_ids):
    message = f"{coach_id}:" + ",".join(sorted(statement_ids))
    return message, hashlib.sha256(message.encode()).hexdigest()


def _earlier_code(key, coach_id, message):
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest().upper()[:16]
    return f"{coach_id}-" + "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def upgrade():
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)

    record_codes = op.create_table('record_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('issued_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_record_codes_coach_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_record_codes_code')),
    sa.UniqueConstraint('coach_id', 'fingerprint', name=op.f('uq_record_codes_coach_id_fingerprint'))
    )
    decisions = sa.table(
        'competence_validations',
        sa.column('coach_id', sa.Integer()),
        sa.column('unit_code', sa.String()),
        sa.column('decision', sa.String()),
        sa.column('revoked_at', lms.timeutil.UTCDateTime(timezone=True)),
        sa.column('statement_id', sa.Uuid()),
    )
    units = sa.table('units', sa.column('code', sa.String()))
    connection = op.get_bind()
    standing = connection.execute(
        sa.select(decisions.c.coach_id, decisions.c.statement_id)
        .join(units, units.c.code == decisions.c.unit_code)
        .where(decisions.c.decision == 'validated', decisions.c.revoked_at.is_(None))
    )
    by_coach = {}
    for coach_id, statement_id in standing:
        by_coach.setdefault(coach_id, []).append(str(statement_id))
    key = os.environ.get("LMS_SECRET_KEY") or _EARLIER_DEFAULT_KEY
    now = lms.timeutil.utcnow()
    rows = []
    for coach_id, statement_ids in sorted(by_coach.items()):
        message, fingerprint = _fingerprint(coach_id, statement_ids)
        code = _earlier_code(key, coach_id, message)
        rows.append({"coach_id": coach_id, "fingerprint": fingerprint, "code": code, "issued_at": now})
    if rows:
        op.bulk_insert(record_codes, rows)


def downgrade():
    op.drop_table('record_codes')
    op.drop_table('login_sessions')

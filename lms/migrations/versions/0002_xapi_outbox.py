"""xAPI outbox: statements, LRS endpoints, deliveries

Revision ID: 0002_xapi_outbox
Revises: 0001_accounts
Create Date: 2026-11-23 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil


# revision identifiers, used by Alembic.
revision = '0002_xapi_outbox'
down_revision = '0001_accounts'
branch_labels = None
depends_on = None

# Statements are never changed but for the voided flag (false -> true) and never deleted.
# SQLite gets no DELETE guard: the test suite empties tables between tests with DELETE,
# where PostgreSQL uses TRUNCATE, which row triggers do not see.
_IMMUTABLE_COLUMNS = (
    "seq", "id", "text", "actor_ifi", "user_id", "verb", "object_id", "registration",
    "timestamp", "stored",
)

_POSTGRES_GUARD = """
CREATE FUNCTION xapi_statements_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'xAPI statements are never deleted (statement %)', OLD.id;
    END IF;
    IF ({new}) IS DISTINCT FROM ({old}) THEN
        RAISE EXCEPTION 'xAPI statements are immutable but for the voided flag (statement %)', OLD.id;
    END IF;
    IF OLD.voided AND NOT NEW.voided THEN
        RAISE EXCEPTION 'a voided xAPI statement stays voided (statement %)', OLD.id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
""".format(
    new=", ".join(f'NEW."{name}"' for name in _IMMUTABLE_COLUMNS),
    old=", ".join(f'OLD."{name}"' for name in _IMMUTABLE_COLUMNS),
)

_SQLITE_GUARDS = (
    "CREATE TRIGGER xapi_statements_immutable BEFORE UPDATE OF {columns} ON xapi_statements "
    "BEGIN SELECT RAISE(ABORT, 'xAPI statements are immutable but for the voided flag'); END".format(
        columns=", ".join(f'"{name}"' for name in _IMMUTABLE_COLUMNS)
    ),
    "CREATE TRIGGER xapi_statements_void_once BEFORE UPDATE OF voided ON xapi_statements "
    "WHEN OLD.voided AND NOT NEW.voided "
    "BEGIN SELECT RAISE(ABORT, 'a voided xAPI statement stays voided'); END",
)


def upgrade():
    op.create_table('xapi_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('password', sa.String(length=255), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scope IN ('all', 'completions')", name=op.f('ck_xapi_endpoints_scope')),
    sa.CheckConstraint("source IN ('admin', 'config')", name=op.f('ck_xapi_endpoints_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_endpoints')),
    sa.UniqueConstraint('name', name=op.f('uq_xapi_endpoints_name'))
    )
    op.create_table('xapi_statements',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('actor_ifi', sa.String(length=1024), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('verb', sa.String(length=512), nullable=False),
    sa.Column('object_id', sa.String(length=2048), nullable=False),
    sa.Column('registration', sa.String(length=36), nullable=True),
    sa.Column('timestamp', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stored', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_xapi_statements')),
    sa.UniqueConstraint('id', name=op.f('uq_xapi_statements_id'))
    )
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statements_actor_ifi_seq', ['actor_ifi', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_object_id'), ['object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_registration'), ['registration'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_stored'), ['stored'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_timestamp'), ['timestamp'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_verb'), ['verb'], unique=False)

    op.create_table('xapi_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_seq', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_try_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('sent_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name=op.f('ck_xapi_deliveries_sent_at')),
    sa.CheckConstraint("attempts >= 0", name=op.f('ck_xapi_deliveries_attempts')),
    sa.CheckConstraint("state IN ('pending', 'sent', 'dead')", name=op.f('ck_xapi_deliveries_state')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['xapi_endpoints.id'], name=op.f('fk_xapi_deliveries_endpoint_id_xapi_endpoints')),
    sa.ForeignKeyConstraint(['statement_seq'], ['xapi_statements.seq'], name=op.f('fk_xapi_deliveries_statement_seq_xapi_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_deliveries')),
    sa.UniqueConstraint('endpoint_id', 'statement_seq', name=op.f('uq_xapi_deliveries_endpoint_id_statement_seq'))
    )
    with op.batch_alter_table('xapi_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_deliveries_endpoint_id_state', ['endpoint_id', 'state', 'statement_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_deliveries_statement_seq'), ['statement_seq'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_GUARD)
        op.execute(
            "CREATE TRIGGER xapi_statements_guard BEFORE UPDATE OR DELETE ON xapi_statements "
            "FOR EACH ROW EXECUTE FUNCTION xapi_statements_guard()"
        )
    else:
        for guard in _SQLITE_GUARDS:
            op.execute(guard)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS xapi_statements_guard ON xapi_statements")
        op.execute("DROP FUNCTION IF EXISTS xapi_statements_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS xapi_statements_void_once")
        op.execute("DROP TRIGGER IF EXISTS xapi_statements_immutable")
    with op.batch_alter_table('xapi_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_deliveries_statement_seq'))
        batch_op.drop_index('ix_xapi_deliveries_endpoint_id_state')

    op.drop_table('xapi_deliveries')
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_statements_verb'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_user_id'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_timestamp'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_stored'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_registration'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_object_id'))
        batch_op.drop_index('ix_xapi_statements_actor_ifi_seq')

    op.drop_table('xapi_statements')
    op.drop_table('xapi_endpoints')

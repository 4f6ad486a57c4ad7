"""Each account gets an opaque xAPI account name: local statements name it, not the e-mail

Revision ID: 0020_user_xapi_accounts
Revises: 0019_privacy_acknowledgement
Create Date: 2026-12-03 13:10:00

"""

import uuid

from alembic import op
import sqlalchemy as sa


revision = "0020_user_xapi_accounts"
down_revision = "0019_privacy_acknowledgement"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("xapi_account", sa.String(length=32), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("xapi_account", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(xapi_account=uuid.uuid4().hex)
        )
    # A unique index, not a constraint: SQLite would rebuild the table for a constraint.
    op.create_index(op.f("ix_users_xapi_account"), "users", ["xapi_account"], unique=True)


def downgrade():
    op.drop_index(op.f("ix_users_xapi_account"), table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("xapi_account")

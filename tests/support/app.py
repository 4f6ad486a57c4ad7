"""The application under test: built on a database URL and migrated, emptied between tests."""

import tempfile
from functools import cache
from pathlib import Path

import flask_migrate
from sqlalchemy import inspect, text

from lms import create_app
from lms.credentials import keys
from lms.extensions import db
from tests.support.smtp import mail_settings

BACKENDS = ["sqlite", "postgresql"]


@cache
def credential_key_dir() -> Path:
    """One signing key for the whole test session, outside the checkout."""
    key_dir = Path(tempfile.mkdtemp(prefix="lms-test-keys-")) / "keys"
    keys.generate(key_dir)
    return key_dir


def build_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "LRS_URL": "",
        "CREDENTIAL_KEY_DIR": credential_key_dir(),
        # Evidence files a test stores (the demo simulation's reports) stay out of the tree.
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="lms-uploads-"),
        **mail_settings(),
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
    return app


def clear_tables(app) -> None:
    """Empty every table but Alembic's, so each test starts from the migrated schema."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            existing = set(inspect(connection).get_table_names())
            tables = [t for t in reversed(db.metadata.sorted_tables) if t.name in existing]
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())

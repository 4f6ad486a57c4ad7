"""Migrations build the whole schema from empty, match the models, and go down and up again."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lms.extensions import db
from tests.support.app import build_app


def test_upgrade_from_empty_matches_the_models(database_url):
    app = build_app(database_url)
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        tables = set(inspect(connection).get_table_names())
    assert {"users", "cohorts", "cohort_coaches", "cohort_trainers"} <= tables
    with app.app_context():
        db.engine.dispose()


def test_downgrade_to_base_and_upgrade_again(database_url):
    app = build_app(database_url)
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()

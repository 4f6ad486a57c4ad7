"""Migrations build the whole schema from empty, match the models, and go down and up again."""

import uuid
from types import SimpleNamespace

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow
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


def _coach_of_the_old_schema(session) -> SimpleNamespace:
    """A coach with only the columns the old schema has (the model has more since): inserted
    by hand, and a stand-in for the User the services read."""
    users = sa.table(
        "users",
        *(sa.column(name) for name in ("id", "email", "display_name", "language", "role")),
        sa.column("active"),
        sa.column("created_at", UTCDateTime()),
    )
    values = {"email": "old@example.org", "display_name": "Old Schema", "language": "fr"}
    inserted = users.insert().values(role="coach", active=True, created_at=utcnow(), **values)
    user_id = session.execute(inserted.returning(users.c.id)).scalar_one()
    return SimpleNamespace(id=user_id, cohorts=[], xapi_account=str(uuid.uuid4()), **values)


def _attempt_of_the_old_schema(session, user_id: int, quiz, versions, live_id: int) -> int:
    """An attempt proposing its unit, with the columns of 0008 only (inserted by hand)."""
    attempts = sa.table(
        "attempts",
        *(sa.column(name) for name in ("id", "user_id", "quiz_id", "module_code", "number")),
        *(sa.column(name) for name in ("state", "autosubmitted", "live_session_id")),
        *(sa.column(name) for name in ("proposed_status",)),
        sa.column("registration", sa.Uuid()),
        sa.column("statement_id", sa.Uuid()),
        sa.column("settings", sa.JSON()),
        sa.column("started_at", UTCDateTime()),
    )
    inserted = attempts.insert().values(
        user_id=user_id,
        quiz_id=quiz.id,
        module_code=quiz.module_code,
        number=live_id,
        registration=uuid.uuid4(),
        statement_id=uuid.uuid4(),
        state="open",
        settings=quiz.settings,
        started_at=utcnow(),
        autosubmitted=False,
        live_session_id=live_id,
        proposed_status="evidence_sufficient",
    )
    attempt_id = session.execute(inserted.returning(attempts.c.id)).scalar_one()
    slots = sa.table(
        "attempt_slots",
        *(sa.column(name) for name in ("attempt_id", "position", "question_version_id")),
        *(sa.column(name) for name in ("max_mark", "flagged")),
    )
    for position, version in enumerate(versions, start=1):
        session.execute(
            slots.insert().values(
                attempt_id=attempt_id,
                position=position,
                question_version_id=version.id,
                max_mark=1.0,
                flagged=False,
            )
        )
    return attempt_id


def test_results_recorded_before_the_coverage_rule_become_practice(database_url):
    """0009: an attempt that did not cover its unit's skills no longer proposes the unit."""
    from lms.catalog import queries
    from lms.quiz.models import Attempt
    from tests.support import factories

    app = build_app(database_url)
    with app.app_context():
        flask_migrate.downgrade(revision="0008_module_documents")
        quiz = factories.make_quiz(db.session, skills=("T1-S1", "T1-S2", "T1-S3"))
        coach = _coach_of_the_old_schema(db.session)
        versions = queries.current_question_versions(db.session, "T1")
        # Two live sessions: the first asked T1-S2 and T1-S3 only, the second every skill.
        ids = [
            _attempt_of_the_old_schema(db.session, coach.id, quiz, chosen, live_id)
            for live_id, chosen in ((7, versions[:2]), (8, versions[:3]))
        ]
        db.session.commit()
        flask_migrate.upgrade()
        db.session.expire_all()
        statuses = [db.session.get(Attempt, attempt_id).proposed_status for attempt_id in ids]
        assert statuses == ["practice", "evidence_sufficient"]
        db.session.remove()
        db.engine.dispose()

"""Shared fixtures: an app on SQLite and on PostgreSQL, clients per role, a CLI runner."""

import json

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from lms import timeutil
from lms.extensions import db
from tests.support import factories
from tests.support.app import BACKENDS, build_app, clear_tables
from tests.support.smtp import Mailbox, smtp_server
from tests.support.web import Auth, logged_in_client

pytest_plugins = [
    "tests.support.postgres",
    "tests.support.browser",
    "tests.support.ralph",
]


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A fresh, empty database per test module, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lms.sqlite3'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture(scope="module")
def migrated_app(database_url):
    app = build_app(database_url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(migrated_app):
    yield migrated_app
    clear_tables(migrated_app)


@pytest.fixture
def invalid_on_purpose() -> set[str]:
    """Ids of statements a test stores invalid on purpose; the validity check skips them."""
    return set()


@pytest.fixture(autouse=True)
def every_recorded_statement_is_valid(request):
    """After each test that has an app: every statement it left in the outbox passes the
    strict xAPI validator, TinCanPython's round trip and the statement template of our xAPI
    Profile it follows, so the whole suite checks every statement the code emits."""
    if "app" not in request.fixturenames:
        yield
        return
    # Requested here, so this check runs before the app fixture empties the tables.
    app = request.getfixturevalue("app")
    skipped = (
        request.getfixturevalue("invalid_on_purpose")
        if "invalid_on_purpose" in request.fixturenames
        else set()
    )
    yield
    from lms.xapi import profile
    from lms.xapi.validation import validate_statement
    from tests.support.profile_check import template_errors
    from tests.support.tincan_check import round_trip_errors

    with app.app_context(), db.engine.connect() as connection:
        if not connection.scalar(text("SELECT EXISTS (SELECT 1 FROM xapi_statements)")):
            return
        rows = connection.execute(text("SELECT id, text FROM xapi_statements")).all()
    broken = {}
    for statement_id, body in rows:
        statement = json.loads(body)
        version = "2.0.0" if str(statement.get("version", "")).startswith("2.") else "1.0.3"
        errors = validate_statement(statement, version=version)
        if not errors:
            # Two independent readers: TinCanPython, and the templates of our xAPI Profile.
            errors = round_trip_errors(statement) + template_errors(
                statement, profile.document(_base_of(statement))
            )
        if errors and statement_id not in skipped:
            broken[statement_id] = errors
    assert broken == {}, f"statements recorded by this test break the xAPI rules: {broken}"


def _base_of(statement: dict) -> str:
    """The base IRI a statement was minted under, from the profile version in its category."""
    categories = statement.get("context", {}).get("contextActivities", {}).get("category", [])
    version = next(c["id"] for c in categories if "/profile/v" in c["id"])
    return version.rsplit("/profile/v", 1)[0]


@pytest.fixture
def clock():
    """The application's clock, for a test to move forward; back to the real time after it."""
    yield timeutil.clock
    timeutil.clock.reset()


@pytest.fixture
def db_session(app):
    """A session of its own: holding an app context open would leak ``g`` into requests."""
    with app.app_context():
        engine = db.engine
    session = Session(engine, expire_on_commit=False)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def demo_cohort(db_session):
    """A cohort taught by one trainer with two coaches, plus an admin; committed."""
    trainer = factories.make_user(db_session, role="trainer")
    coaches = [factories.make_user(db_session) for _ in range(2)]
    admin = factories.make_user(db_session, role="admin")
    cohort = factories.make_cohort(db_session, trainers=[trainer], coaches=coaches)
    db_session.commit()
    return {"cohort": cohort, "trainer": trainer, "coaches": coaches, "admin": admin}


@pytest.fixture
def coach_client(app, demo_cohort):
    return logged_in_client(app, demo_cohort["coaches"][0].email)


@pytest.fixture
def trainer_client(app, demo_cohort):
    return logged_in_client(app, demo_cohort["trainer"].email)


@pytest.fixture
def admin_client(app, demo_cohort):
    return logged_in_client(app, demo_cohort["admin"].email)


@pytest.fixture(scope="session", autouse=True)
def _stop_smtp_server():
    """The test SMTP server starts with the first application built; stop it at the end."""
    yield
    if smtp_server.cache_info().currsize:
        smtp_server()[0].stop()


@pytest.fixture
def mailbox() -> Mailbox:
    """The messages the test SMTP server received, emptied before the test."""
    box = smtp_server()[1]
    box.clear()
    return box

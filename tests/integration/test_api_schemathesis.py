"""schemathesis against /api/v1's OpenAPI document, with a coach's, a trainer's and an
administrator's token: no response is a 5xx, every response matches its documented schema.

Bounded: a fixed number of examples per operation and role (FUZZ_EXAMPLES), derandomised so a
run is repeatable; the world (a cohort, a quiz, attempts, a decision, a live session) is built
once per backend."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session

from lms import create_app
from lms.api import rest
from lms.extensions import db
from tests.support import factories
from tests.support.api import api_token, bearer
from tests.support.app import clear_tables
from tests.support.routes import route_world

FUZZ_EXAMPLES = 12
ROLES = ("coach", "trainer", "admin")


@pytest.fixture(scope="module")
def fuzz_tokens(migrated_app, tmp_path_factory):
    """A cohort with data behind every resource, and a write token per role."""
    limit = migrated_app.config["API_RATE_LIMIT"]
    migrated_app.config["API_RATE_LIMIT"] = 10**9
    with migrated_app.app_context():
        engine = db.engine
    session = Session(engine, expire_on_commit=False)
    trainer = factories.make_user(session, role="trainer")
    coaches = [factories.make_user(session) for _ in range(2)]
    admin = factories.make_user(session, role="admin")
    cohort = factories.make_cohort(session, trainers=[trainer], coaches=coaches)
    session.commit()
    people = {"cohort": cohort, "trainer": trainer, "coaches": coaches, "admin": admin}
    route_world(session, people, tmp_path_factory.mktemp("uploads"))
    tokens = {
        role: api_token(session, coaches[0] if role == "coach" else people[role]) for role in ROLES
    }
    session.close()
    yield tokens
    migrated_app.config["API_RATE_LIMIT"] = limit
    clear_tables(migrated_app)


def _document() -> dict:
    """The API's OpenAPI document, from an application without a database."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "spec", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    with app.test_request_context():
        return rest.spec()


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx_and_every_response_matches_its_schema(case, migrated_app, fuzz_tokens):
    for role in ROLES:  # each generated request, sent as each role
        case.call_and_validate(
            app=migrated_app,
            headers=bearer(fuzz_tokens[role]),
            checks=[not_a_server_error, response_schema_conformance],
        )

"""/healthz: 200 when the database is reachable and migrated, 503 otherwise; forwarder lag in
the body, never a reason for 503."""

from datetime import timedelta

import flask_migrate
import pytest

from lms import create_app
from lms.extensions import db
from lms.timeutil import utcnow
from lms.web.health import migrations_head
from lms.xapi import outbox
from lms.xapi.models import Delivery, Endpoint
from lms.xapi.queries import forwarding_lag
from tests.support.app import BACKENDS, build_app
from tests.support.postgres import free_port
from tests.support.statements import launched, unique_module


@pytest.fixture(params=BACKENDS)
def fresh_app(request, tmp_path):
    """An app of its own, free to migrate up and down."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    app = build_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_migrated_database_is_healthy(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    head = migrations_head(app.config["MIGRATIONS_DIR"])
    assert body["healthy"] is True and body["database"] == "reachable"
    assert body["revision"] == body["head"] == head
    assert body["forwarder"] == {"pending": 0, "oldest_pending_seconds": None, "dead": 0}
    assert "Set-Cookie" not in response.headers


def test_a_database_behind_the_migrations_is_unhealthy(fresh_app):
    with fresh_app.app_context():
        flask_migrate.downgrade(revision="-1")
    response = fresh_app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["healthy"] is False and body["database"] == "reachable"
    assert body["revision"] != body["head"]
    assert "run flask setup" in body["problems"][0]

    with fresh_app.app_context():
        flask_migrate.upgrade()
    assert fresh_app.test_client().get("/healthz").status_code == 200


def test_an_unreachable_database_is_unhealthy():
    closed = f"postgresql+psycopg://lms@127.0.0.1:{free_port()}/lms?connect_timeout=3"

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": closed, "LRS_URL": ""})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["healthy"] is False and body["database"] == "unreachable"
    assert body["problems"] and body["forwarder"] is None


def _endpoint(session, name: str, scope: str = "all", active: bool = True) -> Endpoint:
    endpoint = Endpoint(name=name, url=f"https://{name}.example.org/xAPI", scope=scope)
    endpoint.active = active
    session.add(endpoint)
    session.flush()
    return endpoint


def test_forwarder_lag_counts_what_no_active_endpoint_settled_and_never_fails(
    app, client, db_session
):
    lrs = _endpoint(db_session, "lrs")
    _endpoint(db_session, "completions-only", scope="completions")  # launched is out of scope
    _endpoint(db_session, "retired", active=False)
    module = unique_module()
    sent, dead, queued, new = (
        outbox.record(db_session, launched(f"coach{i}@example.org", module)) for i in range(4)
    )
    db_session.add_all(
        [
            Delivery(statement=sent, endpoint=lrs, state="sent", sent_at=utcnow()),
            Delivery(statement=dead, endpoint=lrs, state="dead", last_status=400),
            Delivery(statement=queued, endpoint=lrs, state="pending"),
        ]
    )  # `new` has no delivery row yet: the forwarder has not enqueued it
    db_session.commit()

    later = queued.stored + timedelta(minutes=5)
    lag = forwarding_lag(db_session, later)
    assert (lag.pending, lag.dead) == (2, 1)
    assert lag.oldest_pending_seconds == 300.0

    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()["forwarder"]
    assert (body["pending"], body["dead"]) == (2, 1)
    assert body["oldest_pending_seconds"] >= 0

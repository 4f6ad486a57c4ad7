"""A burst of visitors never waits for a second pooled connection while holding one.

Every connection of a worker's pool held at once by visitors that each want one more is a
deadlock that only the pool timeout breaks (a 500 for each, then for their error pages): what
`make bench` met on PostgreSQL when hundreds of phones came back at once and each request had
its sign-in activity to record."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from lms.auth.models import LoginSession
from lms.extensions import db
from lms.timeutil import utcnow
from tests.support import factories
from tests.support.app import build_app, clear_tables
from tests.support.web import logged_in_client

POOL = 4


@pytest.fixture(scope="module")
def small_pool_app(database_url):
    app = build_app(
        database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": POOL, "max_overflow": 0, "pool_timeout": 5},
    )
    yield app
    clear_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_requests_holding_every_pooled_connection_at_once_all_succeed(small_pool_app):
    app = small_pool_app
    with app.app_context():
        coaches = [factories.make_user(db.session) for _ in range(POOL)]
        db.session.commit()
        emails = [coach.email for coach in coaches]
        db.session.remove()
    clients = [logged_in_client(app, email) for email in emails]
    # Each browser comes back after a minute away: its activity is due to be recorded.
    a_while_ago = utcnow() - timedelta(minutes=5)
    with app.app_context():
        db.session.execute(update(LoginSession).values(last_seen_at=a_while_ago))
        db.session.commit()
        db.session.remove()
        engine = db.engine

    # Each request's first connection waits until every request holds one: the whole pool.
    all_held, first_taken = threading.Barrier(POOL, timeout=30), threading.local()

    def hold_until_all_hold(*_args):
        if threading.current_thread() in visitors and not getattr(first_taken, "done", False):
            first_taken.done = True
            all_held.wait()

    statuses = {}

    def visit(number: int) -> None:
        try:
            statuses[number] = clients[number].get("/").status_code
        except Exception as error:  # the test app raises what would be a 500
            statuses[number] = repr(error)

    visitors = [threading.Thread(target=visit, args=(n,)) for n in range(POOL)]
    event.listen(engine.pool, "checkout", hold_until_all_hold)
    try:
        for thread in visitors:
            thread.start()
        for thread in visitors:
            thread.join(timeout=60)
    finally:
        event.remove(engine.pool, "checkout", hold_until_all_hold)
    assert statuses == dict.fromkeys(range(POOL), 200)
    with app.app_context():
        seen = db.session.scalars(select(LoginSession.last_seen_at)).all()
        db.session.remove()
    assert len(seen) == POOL and all(moment > a_while_ago for moment in seen), seen

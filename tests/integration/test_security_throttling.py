"""Finding 4: nobody can lock a coach out; failing addresses slow down; forwarded addresses are
trusted only from the configured proxies. Finding 6: the password change is throttled too."""

from datetime import timedelta

import pytest

from lms import create_app
from lms.extensions import db
from tests.support import factories
from tests.support.web import csrf_token, logged_in_client


def _login(client, email: str, password: str, address: str = "10.0.0.1", **headers):
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def test_failures_from_everywhere_do_not_lock_the_owner_out(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    attacker = app.test_client()
    for number in range(30):
        _login(attacker, coach.email, "bad", f"10.0.{number % 3}.1")  # 10 from each
    assert _login(attacker, coach.email, "bad", "10.0.0.1").status_code == 429
    owner = app.test_client()
    assert _login(owner, coach.email, factories.PASSWORD, "192.0.2.7").status_code == 302


def test_the_wait_doubles_with_each_failure_and_then_lets_one_try_through(app, db_session, clock):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = app.test_client()
    for _ in range(10):
        assert _login(client, coach.email, "bad").status_code == 401
    assert _login(client, coach.email, "bad").headers["Retry-After"] == "2"
    clock.advance(timedelta(seconds=2))
    assert _login(client, coach.email, "bad").status_code == 401  # one try through, failed
    assert _login(client, coach.email, "bad").headers["Retry-After"] == "4"
    clock.advance(timedelta(seconds=4))
    assert _login(client, coach.email, factories.PASSWORD).status_code == 302


@pytest.fixture
def behind_one_proxy(database_url):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "LRS_URL": ""}
    config.update(SQLALCHEMY_ENGINE_OPTIONS={}, SECRET_KEY="proxied", PROXY_COUNT=1)
    proxied = create_app(config)
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def test_behind_a_proxy_each_forwarded_address_has_its_own_counter(
    app, db_session, behind_one_proxy
):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = behind_one_proxy.test_client()
    proxy = "10.1.1.1"  # every request reaches the server from the proxy
    for _ in range(10):
        _login(client, coach.email, "bad", proxy, **{"X-Forwarded-For": "198.51.100.9"})
    blocked = _login(client, coach.email, "bad", proxy, **{"X-Forwarded-For": "198.51.100.9"})
    assert blocked.status_code == 429
    other = _login(
        client, coach.email, factories.PASSWORD, proxy, **{"X-Forwarded-For": "203.0.113.5"}
    )
    assert other.status_code == 302
    # A client forging the header gains nothing: the proxy appends the address it saw.
    forged_first = {"X-Forwarded-For": "203.0.113.5, 198.51.100.9"}
    fresh = behind_one_proxy.test_client()
    assert _login(fresh, coach.email, "bad", proxy, **forged_first).status_code == 429


def test_without_a_configured_proxy_the_forwarded_header_is_ignored(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = app.test_client()
    for number in range(10):
        _login(client, coach.email, "bad", "10.0.0.1", **{"X-Forwarded-For": f"192.0.2.{number}"})
    forged = _login(client, coach.email, "bad", "10.0.0.1", **{"X-Forwarded-For": "192.0.2.99"})
    assert forged.status_code == 429


def test_the_password_change_form_is_throttled(app, db_session):
    coach = factories.make_user(db_session, language="en")
    db_session.commit()
    client = logged_in_client(app, coach.email)
    form = {"new_password": "another-long-pass", "confirm": "another-long-pass"}
    for _ in range(10):
        wrong = client.auth.post("/account/password", {**form, "current_password": "guess"})
        assert wrong.status_code == 400
    right = client.auth.post("/account/password", {**form, "current_password": factories.PASSWORD})
    assert right.status_code == 429
    assert "Wait 2 seconds" in right.get_data(as_text=True)

"""Finding 3: a session ends on logout, on a password change elsewhere, when idle, and for good
after its absolute lifetime; activity keeps it alive."""

from datetime import timedelta

from lms.auth import service
from lms.auth.models import LoginSession
from tests.support import factories
from tests.support.web import logged_in_client


def _copy(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/progress").status_code == 200


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = logged_in_client(app, coach.email)
    copy = _copy(app, client)
    assert _signed_in(copy)
    client.auth.logout()
    assert not _signed_in(copy)
    assert not _signed_in(client)


def test_a_password_change_ends_the_other_sessions_only(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    phone = logged_in_client(app, coach.email)
    laptop = logged_in_client(app, coach.email)
    changed = laptop.auth.post(
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "new_password": "a-brand-new-password",
            "confirm": "a-brand-new-password",
        },
    )
    assert changed.status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone)


def test_an_idle_session_ends_and_activity_keeps_it_alive(app, db_session, clock):
    coach = factories.make_user(db_session)
    db_session.commit()
    active = logged_in_client(app, coach.email)
    idle = logged_in_client(app, coach.email)
    for _ in range(3):  # 3 × 100 minutes: more than the 2 idle hours, with a request each time
        clock.advance(timedelta(minutes=100))
        assert _signed_in(active)
    assert not _signed_in(idle)


def test_a_session_ends_after_its_absolute_lifetime_whatever_the_activity(app, db_session, clock):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = logged_in_client(app, coach.email)
    for _ in range(7):  # 7 × 100 minutes < 12 hours
        clock.advance(timedelta(minutes=100))
        assert _signed_in(client)
    clock.advance(timedelta(minutes=100))
    assert not _signed_in(client)


def test_both_lifetimes_are_configurable(app, db_session, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    monkeypatch.setitem(app.config, "SESSION_LIFETIME_HOURS", 1)
    coach = factories.make_user(db_session)
    db_session.commit()
    idle = logged_in_client(app, coach.email)
    active = logged_in_client(app, coach.email)
    for _ in range(11):  # 11 × 4 minutes: alive while active, idle one gone
        clock.advance(timedelta(minutes=4))
        assert _signed_in(active)
    assert not _signed_in(idle)
    clock.advance(timedelta(minutes=17))
    assert not _signed_in(active)


def test_ending_every_session_of_a_user_leaves_the_others_alone(app, db_session):
    coach, other = factories.make_user(db_session), factories.make_user(db_session)
    db_session.commit()
    clients = [logged_in_client(app, user.email) for user in (coach, coach, other)]
    service.end_sessions(db_session, coach)
    db_session.commit()
    assert [_signed_in(client) for client in clients] == [False, False, True]
    assert db_session.query(LoginSession).count() == 1

"""Login, logout, rate limiting, password change and CSRF, through the real forms."""

from sqlalchemy import func, select

from lms.auth.models import LoginFailure
from tests.support import factories
from tests.support.web import Auth, csrf_token


def test_login_success_lands_on_the_role_home(client, auth, demo_cohort):
    response = auth.login(demo_cohort["trainer"].email)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Tableau de bord formateur" in page
    assert demo_cohort["cohort"].name in page


def test_wrong_password_and_unknown_account_look_the_same(client, auth, demo_cohort):
    wrong = auth.login(demo_cohort["coaches"][0].email, "not-the-password")
    unknown = auth.login("nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    message = "Adresse e-mail ou mot de passe incorrect."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_inactive_account_cannot_log_in(db_session, auth):
    user = factories.make_user(db_session, active=False)
    db_session.commit()
    assert auth.login(user.email).status_code == 401


def test_an_account_is_slowed_down_from_the_address_that_fails(app, db_session, demo_cohort):
    email = demo_cohort["coaches"][0].email
    client = app.test_client()
    for _ in range(10):
        response = client.post(
            "/login",
            data={"email": email, "password": "bad", "csrf_token": csrf_token(client)},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        assert response.status_code == 401
    blocked = client.post(
        "/login",
        data={"email": email, "password": factories.PASSWORD, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "2"
    assert "Trop de tentatives" in blocked.get_data(as_text=True)


def test_an_address_is_slowed_down_across_accounts_and_unknown_accounts_too(
    app, auth, db_session, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 10)
    for number in range(10):
        assert auth.login(f"ghost{number}@example.org", "bad").status_code == 401
    assert auth.login("ghost-last@example.org", "bad").status_code == 429
    assert db_session.scalar(select(func.count()).select_from(LoginFailure)) == 10


def test_success_clears_the_account_failures(client, auth, db_session, demo_cohort):
    email = demo_cohort["coaches"][0].email
    for _ in range(3):
        auth.login(email, "bad")
    assert auth.login(email).status_code == 302
    count = db_session.scalar(select(func.count()).where(LoginFailure.email == email))
    assert count == 0


def test_logout_requires_post_and_ends_the_session(coach_client):
    assert coach_client.get("/logout").status_code == 405
    assert coach_client.auth.logout().status_code == 302
    assert coach_client.get("/").status_code == 302


def test_pages_need_login(client, demo_cohort):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_open_redirect_is_refused(client, auth, demo_cohort):
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={
            "email": demo_cohort["admin"].email,
            "password": factories.PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/"


def test_form_without_csrf_token_is_rejected(client, demo_cohort):
    response = client.post(
        "/login", data={"email": demo_cohort["admin"].email, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still logged out


def test_post_without_csrf_token_is_rejected_when_logged_in(admin_client):
    response = admin_client.post("/admin/cohorts/new", data={"name": "Sneaky"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_change_password(coach_client, demo_cohort, app):
    wrong = coach_client.auth.post(
        "/account/password",
        {
            "current_password": "nope",
            "new_password": "a-new-long-pass",
            "confirm": "a-new-long-pass",
        },
    )
    assert wrong.status_code == 400
    assert "Le mot de passe actuel est incorrect." in wrong.get_data(as_text=True)
    ok = coach_client.auth.post(
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "new_password": "a-new-long-pass",
            "confirm": "a-new-long-pass",
        },
    )
    assert ok.status_code == 302
    fresh = app.test_client()
    email = demo_cohort["coaches"][0].email
    assert Auth(fresh).login(email, factories.PASSWORD).status_code == 401
    assert Auth(fresh).login(email, "a-new-long-pass").status_code == 302


def test_too_short_new_password_is_refused(coach_client):
    response = coach_client.auth.post(
        "/account/password",
        {"current_password": factories.PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert response.status_code == 400


def test_failures_older_than_the_window_are_forgotten_and_dropped(db_session):
    from datetime import timedelta

    from lms.auth import service
    from lms.timeutil import utcnow

    long_ago = utcnow() - timedelta(hours=1)
    for _ in range(10):
        service.authenticate(db_session, "ghost@example.org", "bad", "10.9.9.9", now=long_ago)
    # ten failures an hour ago no longer throttle, and the new failure drops them
    assert service.authenticate(db_session, "ghost@example.org", "bad", "10.9.9.9") is None
    assert db_session.scalar(select(func.count()).select_from(LoginFailure)) == 1

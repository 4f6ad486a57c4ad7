"""Invitations, "forgot password" and resets by an administrator, through a real SMTP server."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.auth import links
from lms.auth.models import User
from tests.support import factories
from tests.support.web import Auth, csrf_token

SECRET = "test-secret"
LIFETIMES = {links.INVITATION: timedelta(days=14), links.RESET: timedelta(hours=2)}
NEW_PASSWORD = "a long new sentence"


def _path(link: str) -> str:
    return urlsplit(link).path


def _choose(client, link: str, password: str = NEW_PASSWORD):
    path = _path(link)
    return client.post(
        path,
        data={
            "new_password": password,
            "confirm": password,
            "csrf_token": csrf_token(client, path),
        },
    )


# -- the link tokens ---------------------------------------------------------------------------


def test_a_link_opens_for_its_account_until_it_expires(db_session, clock):
    user = factories.make_user(db_session)
    token = links.make_token(SECRET, user, links.RESET)
    assert links.user_for_token(db_session, SECRET, token, LIFETIMES) == (user, links.RESET)
    clock.advance(timedelta(hours=2, seconds=5))
    with pytest.raises(links.LinkExpired):
        links.user_for_token(db_session, SECRET, token, LIFETIMES)


def test_an_invitation_lives_longer_than_a_reset_link(db_session, clock):
    user = factories.make_user(db_session)
    user.password_hash = None
    token = links.make_token(SECRET, user, links.INVITATION)
    clock.advance(timedelta(days=13))
    assert links.user_for_token(db_session, SECRET, token, LIFETIMES)[0] == user


def test_a_link_works_once(db_session):
    from lms.auth import service

    user = factories.make_user(db_session)
    token = links.make_token(SECRET, user, links.RESET)
    service.set_password(user, NEW_PASSWORD)
    with pytest.raises(links.LinkInvalid):
        links.user_for_token(db_session, SECRET, token, LIFETIMES)


@pytest.mark.parametrize("alter", ["byte", "secret", "purpose", "closed"])
def test_an_altered_link_is_refused(db_session, alter):
    user = factories.make_user(db_session)
    token = links.make_token(SECRET, user, links.RESET)
    secret, lifetimes = SECRET, LIFETIMES
    if alter == "byte":
        token = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    elif alter == "secret":
        secret = "another-secret"
    elif alter == "purpose":
        lifetimes = {links.INVITATION: LIFETIMES[links.INVITATION]}
    else:
        user.active = False
    with pytest.raises(links.LinkInvalid):
        links.user_for_token(db_session, secret, token, lifetimes)


# -- invitations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("en", "Your account on the mobility coach training", "Hello Nina Berg,"),
        ("fr", "Votre compte sur la formation des référents mobilité", "Bonjour Nina Berg,"),
    ],
)
def test_a_created_account_is_invited_in_its_language_and_chooses_its_password(
    app, admin_client, db_session, mailbox, language, subject, greeting
):
    created = admin_client.auth.post(
        "/admin/users/new",
        {"email": "nina@example.org", "display_name": "Nina Berg", "role": "coach",
         "language": language},
    )  # fmt: skip
    assert created.status_code == 302
    [message] = mailbox.for_("nina@example.org")
    assert mailbox.subject(message) == subject
    assert message["Reply-To"] == "training@example.org"
    assert mailbox.text(message).startswith(greeting)
    assert mailbox.link("nina@example.org") in mailbox.html(message)
    user = db_session.scalar(select(User).where(User.email == "nina@example.org"))
    assert user.password_hash is None and user.invited_at is not None
    listing = admin_client.get("/admin/").get_data(as_text=True)
    assert "Invitation non acceptée" in listing

    client = app.test_client()
    link = mailbox.link("nina@example.org")
    assert client.get(_path(link)).status_code == 200
    chosen = _choose(client, link)
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/login"
    assert Auth(client).login("nina@example.org", NEW_PASSWORD).status_code == 302
    again = app.test_client().get(_path(link))
    assert again.status_code == 404
    assert "already been used" in again.get_data(as_text=True) or "déjà" in again.get_data(
        as_text=True
    )


def test_a_too_short_or_common_password_is_refused_next_to_the_field(app, admin_client, mailbox):
    admin_client.auth.post(
        "/admin/users/new",
        {"email": "sam@example.org", "display_name": "Sam", "role": "coach", "language": "en"},
    )
    link = mailbox.link("sam@example.org")
    client = app.test_client()
    short = _choose(client, link, "short")
    assert short.status_code == 400
    assert 'id="new_password-error"' in short.get_data(as_text=True)


def test_an_expired_invitation_says_so_and_offers_a_new_one(app, admin_client, mailbox, clock):
    admin_client.auth.post(
        "/admin/users/new",
        {"email": "late@example.org", "display_name": "Late", "role": "coach", "language": "en"},
    )
    link = mailbox.link("late@example.org")
    clock.advance(timedelta(days=15))
    page = app.test_client().get(_path(link), headers={"Accept-Language": "en"})
    assert page.status_code == 410
    body = page.get_data(as_text=True)
    assert "This link has expired." in body and 'href="/password/forgot"' in body


def test_imported_coaches_are_invited(admin_client, demo_cohort, mailbox):
    import io

    name = demo_cohort["cohort"].name
    text = (
        "email,name,language,cohort\n"
        f"lea@example.org,Léa,fr,{name}\ntom@example.org,Tom,en,{name}\n"
    )
    response = admin_client.auth.post(
        "/admin/import",
        {"file": (io.BytesIO(text.encode()), "coaches.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert [mailbox.subject(m) for m in mailbox.for_("lea@example.org")] == [
        "Votre compte sur la formation des référents mobilité"
    ]
    assert [mailbox.subject(m) for m in mailbox.for_("tom@example.org")] == [
        "Your account on the mobility coach training"
    ]


def test_an_administrator_resends_an_invitation_or_sends_a_reset_link(
    admin_client, demo_cohort, db_session, mailbox
):
    coach = demo_cohort["coaches"][0]
    page = admin_client.auth.post(f"/admin/users/{coach.id}/link", {"active": "y"})
    assert page.status_code == 302
    [message] = mailbox.for_(coach.email)
    assert mailbox.subject(message) == "Choisissez un nouveau mot de passe"
    listing = admin_client.get("/admin/").get_data(as_text=True)
    assert factories.PASSWORD not in listing and "Envoyer un lien" in listing


# -- forgot password ---------------------------------------------------------------------------


def _forgot(client, email: str):
    return client.post(
        "/password/forgot",
        data={"email": email, "csrf_token": csrf_token(client, "/password/forgot")},
        follow_redirects=True,
    )


def _without_tokens(response) -> str:
    return re.sub(r'value="[\w.-]{40,}"', "", response.get_data(as_text=True))


def test_forgot_password_answers_the_same_whether_the_account_exists(app, demo_cohort, mailbox):
    coach = demo_cohort["coaches"][0]
    known = _forgot(app.test_client(), coach.email)
    unknown = _forgot(app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known) == _without_tokens(unknown)
    assert len(mailbox.for_(coach.email)) == 1 and mailbox.for_("nobody@example.org") == []
    client = app.test_client()
    assert _choose(client, mailbox.link(coach.email)).status_code == 302
    assert Auth(client).login(coach.email, NEW_PASSWORD).status_code == 302


def test_forgot_password_is_throttled_per_address_even_unknown(app, demo_cohort, mailbox):
    coach = demo_cohort["coaches"][0]
    for email in (coach.email, "nobody@example.org"):
        client = app.test_client()
        statuses = [_forgot(client, email).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
    assert len(mailbox.for_(coach.email)) == 3


# -- password policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("common", ["password123", "QwertyUiop", "1234567890"])
def test_a_common_breached_password_is_refused_next_to_the_field(app, demo_cohort, common):
    from lms.auth import service

    with pytest.raises(service.AccountError):
        service.check_password_strength(common)
    coach = demo_cohort["coaches"][0]
    client = app.test_client()
    token = links.make_token("test-secret", coach, links.RESET)
    page = _choose(client, f"http://localhost/password/choose/{token}", common)
    assert page.status_code == 400
    assert "des plus courants dans les fuites" in page.get_data(as_text=True)
    service.check_password_strength("a long new sentence")  # length, no composition rule


def test_changing_to_a_common_password_is_refused_with_its_reason(app, demo_cohort):
    client = app.test_client()
    Auth(client).login(demo_cohort["coaches"][0].email)
    page = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "password123",
            "confirm": "password123",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert page.status_code == 400
    assert "des plus courants dans les fuites" in page.get_data(as_text=True)

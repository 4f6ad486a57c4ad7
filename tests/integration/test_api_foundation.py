"""The REST API's foundation: personal tokens (page, hashing, scope, revocation, audit),
authentication by token or session with CSRF, one JSON error body, ETag, rate limits, the
OpenAPI document and its documentation page."""

import hashlib
import re

from sqlalchemy import select

from lms.auth.models import ApiToken, AuditEvent
from tests.support import factories
from tests.support.api import api_token, bearer
from tests.support.web import csrf_token, logged_in_client

TOKEN_PATTERN = re.compile(r'<code id="new-token">(lms_[A-Za-z0-9_-]+)</code>')


def _create_on_page(client, name: str, scope: str = "read") -> str:
    page = client.post(
        "/account/tokens",
        data={"name": name, "scope": scope, "csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    return TOKEN_PATTERN.search(page.get_data(as_text=True)).group(1)


def _assert_error_body(response, code: int) -> dict:
    assert response.status_code == code
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code and body["status"] and body["message"]
    return body


def test_a_token_is_created_shown_once_stored_hashed_listed_and_revoked(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = logged_in_client(app, coach.email)
    token = _create_on_page(client, "HR tool", "write")
    stored = db_session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (stored.name, stored.scope, stored.user_id) == ("HR tool", "write", coach.id)
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "HR tool" in listing and token not in listing  # shown once only

    me = client.application.test_client().get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json() | {"id": 0} == {
        "id": 0, "email": coach.email, "display_name": coach.display_name, "role": "coach",
        "language": coach.language, "scope": "write",
    }  # fmt: skip

    revoked = client.post(
        f"/account/tokens/{stored.id}/revoke", data={"csrf_token": csrf_token(client, "/")}
    )
    assert revoked.status_code == 302
    _assert_error_body(app.test_client().get("/api/v1/me", headers=bearer(token)), 401)
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("token.%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.subject, e.actor_id) for e in events] == [
        ("token.created", f"token:{stored.id}", coach.id),
        ("token.revoked", f"token:{stored.id}", coach.id),
    ]


def test_only_the_owner_revokes_a_token(app, db_session):
    owner, other = factories.make_user(db_session), factories.make_user(db_session)
    db_session.commit()
    token = api_token(db_session, owner)
    token_id = db_session.scalar(select(ApiToken.id))
    client = logged_in_client(app, other.email)
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 404
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_a_token_without_a_name_is_refused_on_the_page(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = logged_in_client(app, coach.email)
    page = client.post(
        "/account/tokens",
        data={"name": "  ", "scope": "read", "csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert page.status_code == 400
    assert db_session.scalars(select(ApiToken)).all() == []


def test_tokens_come_from_the_header_only_and_inactive_accounts_lose_them(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    token = api_token(db_session, coach)
    client = app.test_client()
    _assert_error_body(client.get("/api/v1/me"), 401)
    client.set_cookie("session", token)
    client.set_cookie("token", token)
    _assert_error_body(client.get("/api/v1/me"), 401)
    _assert_error_body(client.get("/api/v1/me", headers={"Authorization": token}), 401)
    _assert_error_body(client.get("/api/v1/me", headers=bearer(token + "x")), 401)
    coach.active = False
    db_session.commit()
    _assert_error_body(app.test_client().get("/api/v1/me", headers=bearer(token)), 401)


def test_a_token_request_ignores_the_session_cookie(app, db_session, demo_cohort):
    """A browser logged in as an administrator that sends a coach's token acts as the coach."""
    admin, coach = demo_cohort["admin"], demo_cohort["coaches"][0]
    client = logged_in_client(app, admin.email)
    assert client.get("/api/v1/me").get_json()["role"] == "admin"
    as_coach = client.get("/api/v1/me", headers=bearer(api_token(db_session, coach, "read")))
    assert as_coach.get_json()["email"] == coach.email


def test_every_api_error_is_one_json_body(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    headers = bearer(api_token(db_session, coach))
    client = app.test_client()
    _assert_error_body(client.get("/api/v1/no-such-resource", headers=headers), 404)
    _assert_error_body(client.delete("/api/v1/me", headers=headers), 405)
    body = _assert_error_body(client.get("/api/v1/me", headers={"Authorization": "Basic x"}), 401)
    assert "Bearer" in body["message"]
    # The pages keep their HTML error page.
    page = app.test_client().get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_read_token_cannot_write(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    response = app.test_client().post(
        "/api/v1/me", headers=bearer(api_token(db_session, coach, "read"))
    )
    assert "only read" in _assert_error_body(response, 403)["message"]


def test_a_session_writes_only_with_its_csrf_token(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = logged_in_client(app, coach.email)
    assert client.get("/api/v1/me").status_code == 200  # reads need no CSRF token
    body = _assert_error_body(client.post("/api/v1/me"), 400)
    assert "CSRF" in body["message"]
    with_token = client.post("/api/v1/me", headers={"X-CSRFToken": csrf_token(client, "/")})
    _assert_error_body(with_token, 405)  # past the CSRF check: /me only reads


def test_reads_carry_an_etag_and_an_unchanged_one_answers_304(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    headers = bearer(api_token(db_session, coach))
    client = app.test_client()
    first = client.get("/api/v1/me", headers=headers)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-store"
    again = client.get("/api/v1/me", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    coach.display_name = "Renamed"
    db_session.commit()
    changed = client.get("/api/v1/me", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_each_token_has_its_own_rate_limit(app, db_session, monkeypatch):
    from lms.api import rest

    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 3)
    monkeypatch.setitem(app.extensions, "lms.rate_limiter", rest.RateLimiter())
    coach = factories.make_user(db_session)
    db_session.commit()
    first, second = bearer(api_token(db_session, coach)), bearer(api_token(db_session, coach))
    client = app.test_client()
    assert [client.get("/api/v1/me", headers=first).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/me", headers=first)
    _assert_error_body(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_the_rate_limiter_counts_per_minute_window():
    from lms.api.rest import RateLimiter

    limiter = RateLimiter()
    assert [limiter.hit("k", 2, now=600.0) for _ in range(3)] == [0, 0, 60]
    assert limiter.hit("k", 2, now=659.0) == 1
    assert limiter.hit("k", 2, now=660.0) == 0  # a new window


def test_the_openapi_document_and_its_page_need_nothing_from_another_site(app):
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/me" in spec["paths"]
    assert spec["components"]["securitySchemes"]["token"] == {"type": "http", "scheme": "bearer"}
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources)
    for source in sources:
        response = client.get(source)
        response.close()
        assert response.status_code == 200, source

"""The REST API under /api/v1 (flask-smorest): who calls, how often, and what an error says.

Authentication: ``Authorization: Bearer <token>`` (a personal token, lms.auth.tokens), or the
browser's session, whose unsafe requests then carry the CSRF token (``X-CSRFToken``). A token
is never read from a cookie, and a request with a token ignores the session cookie. A
read-scoped token may only read.

Every 4xx/5xx under /api/v1 answers one JSON body: ``{"code", "status", "message", "errors"?}``.
"""

import threading
import time
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from flask import Flask, current_app, g, request
from flask_babel import gettext
from flask_login import current_user
from flask_smorest import Api, abort
from werkzeug.exceptions import HTTPException

from lms.auth import tokens
from lms.auth.policy import Role
from lms.extensions import csrf, db
from lms.formats import translated
from lms.xapi import outbox
from lms.xapi.statements import XapiConfig

PREFIX = "/api/v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RestApi(Api):
    """flask-smorest's Api whose error handler answers only under /api/v1 (lms.create_app
    sends those errors here, the others to the HTML pages)."""

    def _register_error_handlers(self):
        pass


def xapi_config() -> XapiConfig:
    return outbox.config_from(current_app.config)


def client_address() -> str:
    return request.remote_addr or ""


def spec() -> dict:
    """The OpenAPI document of this application's API."""
    return current_app.extensions["lms.rest_api"].spec.to_dict()


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def error_body(code: int, message: str, errors: dict | None = None, headers=None):
    body = {"code": code, "status": _status_name(code), "message": message}
    if errors:
        body["errors"] = errors
    return body, code, headers or {}


def _status_name(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def http_error(error: HTTPException):
    """The JSON body of an HTTP error raised under /api/v1 (304 passes through)."""
    if error.code is not None and error.code < 400:
        return error.get_response()
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    message = data.get("message") or error.description or _status_name(code)
    if code >= 500:
        message = _status_name(code)  # never an internal detail
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if error.response is not None and "Retry-After" in error.response.headers:
        headers["Retry-After"] = error.response.headers["Retry-After"]
    return error_body(code, message, errors, headers)


def user_error(error):
    """A service's refusal (lms.errors.UserError): 409, the message in the caller's language;
    nothing of the request is kept."""
    db.session.rollback()
    return error_body(409, translated(error))


def unavailable(_error):
    return error_body(503, gettext("The database cannot be reached. Try again in a few minutes."))


# --- authentication, scope, rate limit ---------------------------------------------------------


class RateLimiter:
    """Requests per caller in fixed one-minute windows, counted in this process's memory: with
    several web processes each counts its own share (the limit is per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[object, tuple[int, int]] = {}

    def hit(self, key: object, limit: int, now: float | None = None) -> int:
        """Count one request of ``key``; the seconds to wait when over ``limit``, else 0."""
        now = time.time() if now is None else now
        window = int(now // 60)
        with self._lock:
            if len(self._windows) > 10_000:  # forget the callers of past windows
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get(key, (window, 0))
            count = count + 1 if start == window else 1
            self._windows[key] = (window, count)
        return 0 if count <= limit else (window + 1) * 60 - int(now)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, message="Send the token as: Authorization: Bearer <token>.")
    return token.strip()


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def authenticate() -> None:
    """Before every request under /api/v1: the caller, their scope, their rate."""
    if not is_api_request():
        return
    # As for forms (lms.web.security): no text here holds a NUL, and PostgreSQL cannot store one.
    if request.is_json and _holds_nul(request.get_json(silent=True)):
        abort(400, message="The request contains a NUL character.")
    token = _bearer()
    if token is not None:
        row = tokens.token_in_force(db.session, token)
        if row is None:
            abort(401, message="This token is unknown, revoked, or its account is inactive.")
        g._login_user = row.user  # Flask-Login's user of this request: the token's owner
        g.api_token = row
        if db.session.dirty:
            db.session.commit()  # last_used_at
        if request.method not in SAFE_METHODS and row.scope != "write":
            abort(403, message="This token may only read: create a read and write token.")
        key: object = ("token", row.token_hash)
    elif current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()  # the browser's session: its unsafe requests carry the CSRF token
        key = ("user", current_user.id)
    else:
        key = ("address", request.remote_addr)
    limiter = current_app.extensions["lms.rate_limiter"]
    wait = limiter.hit(key, current_app.config["API_RATE_LIMIT"])
    if wait:
        abort(
            429,
            message="Too many requests: wait and try again.",
            headers={"Retry-After": str(wait)},
        )


def add_etag(response):
    """Reads answer an ETag; a matching ``If-None-Match`` gets 304 without a body."""
    if (
        is_api_request()
        and request.method == "GET"
        and response.status_code == 200
        and response.mimetype == "application/json"
    ):
        response.add_etag()
        response.make_conditional(request)
    if is_api_request():
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def allow(*roles: Role) -> Callable:
    """Who may call an API view (read by the route × role matrix); 401 without a caller."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401, message="Send a token (Authorization: Bearer) or log in.")
            if roles and current_user.role not in roles:
                abort(403, message="Your role may not use this resource.")
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles) or frozenset(Role)
        return wrapper

    return decorator


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="Mobility coach training engine",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        ETAG_DISABLED=True,  # add_etag does it for every read
        API_SPEC_OPTIONS={
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    "token": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"token": []}, {"session": []}],
        },
    )
    api = RestApi(app)
    app.extensions["lms.rest_api"] = api
    app.extensions["lms.rate_limiter"] = RateLimiter()
    from lms.api import docs, v1

    for blueprint in v1.BLUEPRINTS:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # authenticate() checks the session's CSRF token itself
    app.register_blueprint(docs.bp)
    app.before_request(authenticate)
    app.after_request(add_etag)

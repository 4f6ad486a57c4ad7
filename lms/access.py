"""Who may use a view: one decorator per view, read by the route × role matrix test.

It needs only Flask-Login's current user and the roles of lms.auth.policy, so every face can
use it; which coaches and cohorts a user then sees is the policy's to say.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, make_response, request
from flask_login import current_user, login_required

from lms.auth import audit
from lms.auth.policy import Role
from lms.extensions import db

PUBLIC = frozenset()


def roles_required(*roles: Role) -> Callable:
    """Allow logged-in users having one of ``roles`` (any logged-in user when none given)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles) or frozenset(Role)
        return wrapper

    return decorator


def personal_data(view: Callable) -> Callable:
    """Mark a view whose response holds personal data: no cache (browser, proxy) keeps it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        if response.status_code == 200:
            audit.record(
                db.session, "personal_data.exported", actor=current_user,
                subject=request.full_path.rstrip("?")[:120], ip=request.remote_addr or "",
            )  # fmt: skip
            db.session.commit()
        return response

    return wrapper


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in."""
    view.allowed_roles = PUBLIC
    return view

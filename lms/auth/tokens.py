"""Personal API tokens: created, listed and revoked by their owner, checked on each API call.

A token is 32 random bytes (``secrets.token_urlsafe``) behind a ``lms_`` prefix; only its
SHA-256 is stored, which is enough for a value of that entropy (no slow hash needed), and the
token itself is shown once, when created. The caller commits.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import ApiToken, User
from lms.errors import UserError
from lms.i18n import N_
from lms.timeutil import utcnow

PREFIX = "lms_"
SCOPES = ("read", "write")
# last_used_at is written at most this often, so a busy client does not write on every call.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(UserError):
    """A token request the owner can fix."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, user: User, name: str, scope: str, *, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token of ``user``: the stored row and the token itself, to show once."""
    name = name.strip()
    if not name:
        raise TokenError(N_("Give the token a name."))
    if scope not in SCOPES:
        raise TokenError(N_("Unknown scope: %(scope)s."), scope=scope)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name[:80], scope=scope, token_hash=_hash(token),
        created_at=now or utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row, token


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The owner's tokens still in force, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke_token(
    session: Session, user: User, token_id: int, *, now: datetime | None = None
) -> ApiToken | None:
    """Revoke one of ``user``'s own tokens; None when they have no such token in force."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return None
    row.revoked_at = now or utcnow()
    session.flush()
    return row


def token_in_force(session: Session, token: str, *, now: datetime | None = None) -> ApiToken | None:
    """The token row of ``token`` if it is in force and its owner's account active."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.user.active:
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
    return row

"""Links that let someone choose a password: invitations and resets.

A link carries the account id and a fingerprint of its current password hash, signed with the
secret key and timestamped: it expires, it is single use (setting the password changes the
fingerprint) and a changed byte makes it invalid. Requests for a reset link are throttled per
address typed and per IP, and answered the same way whether or not the account exists.
"""

import hashlib
from datetime import datetime, timedelta

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.auth.models import LinkRequest, User
from lms.errors import UserError
from lms.i18n import N_
from lms.timeutil import utcnow

INVITATION = "invitation"
RESET = "reset"


class LinkInvalid(UserError):
    """The link was altered, already used, or its account is closed."""


class LinkExpired(UserError):
    """The link is genuine but too old."""


class LinkRequestThrottled(Exception):
    """Too many link requests for this address or IP in the last hour."""


class _ClockSigner(TimestampSigner):
    # The application's clock, so tests move time forward instead of sleeping.
    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-link", signer=_ClockSigner)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash or ''}".encode()).hexdigest()[:24]


def make_token(secret_key: str, user: User, purpose: str) -> str:
    return _serializer(secret_key).dumps([user.id, _fingerprint(user), purpose])


def user_for_token(
    session: Session, secret_key: str, token: str, max_ages: dict[str, timedelta]
) -> tuple[User, str]:
    """The account a link may set the password of, and the link's purpose (a key of
    ``max_ages``, its lifetime); LinkExpired or LinkInvalid otherwise."""
    try:
        (user_id, fingerprint, purpose), signed_at = _serializer(secret_key).loads(
            token, return_timestamp=True
        )
    except (BadSignature, ValueError, TypeError) as error:
        raise LinkInvalid(N_("This link is not valid.")) from error
    if purpose not in max_ages or not isinstance(user_id, int):
        raise LinkInvalid(N_("This link is not valid."))
    user = session.get(User, user_id)
    if user is None or not user.active or fingerprint != _fingerprint(user):
        raise LinkInvalid(N_("This link has already been used or is no longer valid."))
    if utcnow() - signed_at > max_ages[purpose]:
        raise LinkExpired(N_("This link has expired."))
    return user, purpose


def needs_invitation(user: User) -> bool:
    """An account that has never chosen a password."""
    return user.active and user.password_hash is None


def mark_invited(user: User, now: datetime | None = None) -> None:
    user.invited_at = now or utcnow()


def request_link(
    session: Session,
    email: str,
    ip: str,
    *,
    per_hour: int = 3,
    now: datetime | None = None,
) -> User | None:
    """Record a "forgot password" request; the active account to send a link to, if any.

    Counted per address typed (existing or not) and per IP, so the answer never tells whether an
    account exists; LinkRequestThrottled past ``per_hour`` for the address (ten times that for
    the IP, which a whole training centre may share).
    """
    now = now or utcnow()
    email = email.strip().lower()[:254]
    since = now - timedelta(hours=1)
    session.execute(delete(LinkRequest).where(LinkRequest.at <= since))
    by_email = session.scalar(select(func.count()).where(LinkRequest.email == email))
    by_ip = session.scalar(select(func.count()).where(LinkRequest.ip == ip))
    if by_email >= per_hour or by_ip >= 10 * per_hour:
        raise LinkRequestThrottled
    session.add(LinkRequest(email=email, ip=ip[:45], at=now))
    session.flush()
    user = session.scalar(select(User).where(User.email == email))
    return user if user is not None and user.active else None

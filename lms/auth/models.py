"""Users, cohorts, and the logs of login failures and link requests used for rate limiting."""

import uuid
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Base
from lms.timeutil import UTCDateTime, utcnow


class Role(StrEnum):
    """A ``str`` enum: ``Role.COACH == "coach"``, as stored and as templates compare it."""

    COACH = "coach"
    TRAINER = "trainer"
    ADMIN = "admin"


ROLES = tuple(role.value for role in Role)
# The domain of an erased person's address (lms.privacy.erasure): names nobody.
ERASED_DOMAIN = "erased.invalid"
LANGUAGES = ("fr", "en")

cohort_trainers = Table(
    "cohort_trainers",
    Base.metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

cohort_coaches = Table(
    "cohort_coaches",
    Base.metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(map(repr, ROLES))})", name="role"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    role: Mapped[str] = mapped_column(String(10), default=Role.COACH.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last invitation was sent; the account has accepted once it has a password.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person acknowledged the privacy notice (shown at their first login).
    privacy_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The opaque name local statements give the person (lms.auth.actors); erasure clears it,
    # which leaves those statements naming nobody.
    xapi_account: Mapped[str | None] = mapped_column(
        String(32), unique=True, index=True, default=lambda: uuid.uuid4().hex
    )

    cohorts: Mapped[list["Cohort"]] = relationship(
        secondary=cohort_coaches, back_populates="coaches", order_by="Cohort.name"
    )
    taught_cohorts: Mapped[list["Cohort"]] = relationship(
        secondary=cohort_trainers, back_populates="trainers", order_by="Cohort.name"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_erased(self) -> bool:
        return self.email.endswith("@" + ERASED_DOMAIN)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coaches: Mapped[list[User]] = relationship(
        secondary=cohort_coaches, back_populates="cohorts", order_by=User.display_name
    )
    trainers: Mapped[list[User]] = relationship(
        secondary=cohort_trainers, back_populates="taught_cohorts", order_by=User.display_name
    )


class _RequestLog:
    """Who asked (the address typed, the IP) and when: counted over a window to throttle."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LoginFailure(_RequestLog, Base):
    """One failed login; counted per account and per address over a sliding window."""

    __tablename__ = "login_failures"


class LinkRequest(_RequestLog, Base):
    """One "forgot password" request; counted per address typed and per IP to throttle them."""

    __tablename__ = "link_requests"


class LoginSession(Base):
    """A signed-in browser: the session cookie carries its token, only its hash is stored.

    Deleting the row ends the session (logout, password change, expiry): a cookie copied
    before then opens nothing."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditEvent(Base):
    """One entry of the audit log (lms.auth.audit); never changed (a trigger refuses it)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # As typed or as it was then: a failed login has no account, an account may change.
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(120), default="")  # e.g. "decision:12"
    ip: Mapped[str] = mapped_column(String(45), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class ApiToken(Base):
    """A personal API token: its owner sends it as ``Authorization: Bearer``; only its SHA-256
    is stored (the token is shown once, at creation). ``scope`` is ``read`` or ``write``."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(5), default="read")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

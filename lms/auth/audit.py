"""The audit log: who did what security-relevant or decisive thing, when, from where.

Rows are only ever added: this module has no function that changes or deletes one, and no
other code writes the table. Services and views record through :func:`record`; the caller
commits, and records a failure (a wrong password) even though the request fails.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import AuditEvent, User
from lms.i18n import N_
from lms.timeutil import utcnow

# action -> its label on the administrator's page.
ACTIONS = {
    "login.succeeded": N_("Login"),
    "login.failed": N_("Failed login"),
    "login.throttled": N_("Login slowed down"),
    "logout": N_("Logout"),
    "password.changed": N_("Password changed"),
    "password.change_failed": N_("Wrong current password"),
    "user.created": N_("Account created"),
    "user.status_changed": N_("Account activated or deactivated"),
    "accounts.imported": N_("Accounts imported"),
    "decision.recorded": N_("Decision recorded"),
    "decision.revoked": N_("Decision revoked"),
    "attempt.graded": N_("Answer graded"),
    "personal_data.exported": N_("Personal data downloaded"),
    "user.erased": N_("Person erased"),
    "privacy.retention": N_("Retention periods applied"),
    "token.created": N_("API token created"),
    "token.revoked": N_("API token revoked"),
    "credentials.issuer_changed": N_("Open Badges issuer profile changed"),
    "content.loaded": N_("Content loaded"),
    "questions.imported": N_("Questions imported (GIFT)"),
}
PAGE_SIZE = 50


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    email: str = "",
    subject: str = "",
    ip: str = "",
    detail: dict | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Add one event; ``email`` is what was typed when there is no account (a failed login)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        at=now or utcnow(),
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=(actor.email if actor is not None else email.strip().lower())[:254],
        subject=subject[:120],
        ip=(ip or "")[:45],
        detail=detail or {},
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # part of an e-mail address
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # the cursor: events older than this one


def events(session: Session, how: AuditFilter) -> list[AuditEvent]:
    """The newest events matching ``how``, newest first (one page of PAGE_SIZE)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)
    if how.action:
        query = query.where(AuditEvent.action == how.action)
    if how.actor:
        query = query.where(func.lower(AuditEvent.actor_email).contains(how.actor.lower()))
    if how.since is not None:
        query = query.where(AuditEvent.at >= how.since)
    if how.until is not None:
        query = query.where(AuditEvent.at < how.until)
    if how.before_id is not None:
        query = query.where(AuditEvent.id < how.before_id)
    return list(session.scalars(query))

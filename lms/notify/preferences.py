"""The notifications a user may receive, by role, and which of them they switched off."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms import notices
from lms.auth.models import Role, User
from lms.i18n import N_
from lms.notify.models import NotificationOptOut

ESSAY_GRADED = "essay_graded"
UNIT_DECIDED = "unit_decided"
SESSION_SCHEDULED = "session_scheduled"
CREDENTIAL_ISSUED = notices.CREDENTIAL_ISSUED
INACTIVITY_REMINDER = "inactivity_reminder"
TRAINER_DIGEST = "trainer_digest"

# In the order the preferences page lists them.
LABELS = {
    ESSAY_GRADED: N_("A trainer graded one of my answers"),
    UNIT_DECIDED: N_("A unit or a competence of mine was validated or refused"),
    SESSION_SCHEDULED: N_("A live session was scheduled for my cohort (with a calendar file)"),
    CREDENTIAL_ISSUED: N_("A credential was issued to me"),
    INACTIVITY_REMINDER: N_("A reminder when I have not trained for a while"),
    TRAINER_DIGEST: N_("A weekly digest of what waits for me: answers to grade, decisions, "
                       "inactive coaches"),
}  # fmt: skip
_COACH_KINDS = (
    ESSAY_GRADED,
    UNIT_DECIDED,
    SESSION_SCHEDULED,
    CREDENTIAL_ISSUED,
    INACTIVITY_REMINDER,
)


def kinds_for(user: User) -> list[str]:
    """The notifications ``user``'s role can receive."""
    if user.role == Role.COACH:
        return list(_COACH_KINDS)
    return [TRAINER_DIGEST]


def switched_off(session: Session, user_ids: list[int], kind: str) -> set[int]:
    """Those of ``user_ids`` who do not want ``kind``."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(NotificationOptOut.user_id).where(
                NotificationOptOut.kind == kind, NotificationOptOut.user_id.in_(user_ids)
            )
        )
    )


def wanted(session: Session, user: User) -> set[str]:
    """The kinds ``user`` receives (all of their role's, less the ones switched off)."""
    off = set(
        session.scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user.id)
        )
    )
    return {kind for kind in kinds_for(user) if kind not in off}


def choose(session: Session, user: User, kinds: set[str]) -> None:
    """Receive exactly ``kinds`` among the ones of ``user``'s role; the caller commits."""
    session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user.id))
    session.add_all(
        NotificationOptOut(user_id=user.id, kind=kind)
        for kind in kinds_for(user)
        if kind not in kinds
    )
    session.flush()

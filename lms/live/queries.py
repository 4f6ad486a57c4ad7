"""What the live-session pages read: sessions by id or join code, per trainer or coach."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import Cohort, User, cohort_coaches, cohort_trainers
from lms.live.models import ENDED, OPEN, PAUSED, RUNNING, LiveParticipant, LiveSession


def live_session(session: Session, live_id: int) -> LiveSession | None:
    return session.get(LiveSession, live_id)


def live_by_code(session: Session, code: str) -> LiveSession | None:
    return session.scalar(
        select(LiveSession).where(LiveSession.join_code == code, LiveSession.state != ENDED)
    )


def trainer_sessions(session: Session, user: User) -> list[LiveSession]:
    """Sessions a trainer may run (their cohorts'), every session for an admin; newest first."""
    query = select(LiveSession).order_by(LiveSession.scheduled_at.desc(), LiveSession.id.desc())
    if user.role != "admin":
        taught = select(cohort_trainers.c.cohort_id).where(cohort_trainers.c.user_id == user.id)
        query = query.where(LiveSession.cohort_id.in_(taught))
    return list(session.scalars(query))


def joinable_sessions(session: Session, user: User) -> list[LiveSession]:
    """Open or running sessions of the coach's cohorts: the home page offers to join them."""
    cohorts = select(cohort_coaches.c.cohort_id).where(cohort_coaches.c.user_id == user.id)
    query = (
        select(LiveSession)
        .where(LiveSession.cohort_id.in_(cohorts), LiveSession.state.in_((OPEN, RUNNING, PAUSED)))
        .order_by(LiveSession.scheduled_at)
    )
    return list(session.scalars(query))


def coach_past_sessions(session: Session, user: User) -> list[LiveSession]:
    query = (
        select(LiveSession)
        .join(LiveParticipant, LiveParticipant.live_session_id == LiveSession.id)
        .where(LiveParticipant.user_id == user.id, LiveSession.state == ENDED)
        .order_by(LiveSession.ended_at.desc())
    )
    return list(session.scalars(query))


def may_run(user: User, live: LiveSession, cohort: Cohort) -> bool:
    return user.role == "admin" or any(t.id == user.id for t in cohort.trainers)


def is_member(user: User, cohort: Cohort) -> bool:
    return any(c.id == user.id for c in cohort.coaches)


def cohorts_taught(session: Session, user: User) -> list[Cohort]:
    if user.role == "admin":
        return list(session.scalars(select(Cohort).order_by(Cohort.name)))
    return list(user.taught_cohorts)


def attendees(session: Session, live_id: int) -> set[int]:
    """The coaches who joined a live session (its participant rows, whatever their statements)."""
    query = select(LiveParticipant.user_id).where(LiveParticipant.live_session_id == live_id)
    return set(session.scalars(query))

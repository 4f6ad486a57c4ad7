"""What the live-session pages read: sessions by id or join code, per trainer or coach."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from lms.auth.models import User
from lms.auth.policy import visible_cohort_ids
from lms.live.models import ENDED, OPEN, PAUSED, RUNNING, LiveParticipant, LiveSession
from lms.quiz.models import Answer, AttemptSlot


def live_session(session: Session, live_id: int) -> LiveSession | None:
    return session.get(LiveSession, live_id)


def live_by_code(session: Session, code: str) -> LiveSession | None:
    return session.scalar(
        select(LiveSession).where(LiveSession.join_code == code, LiveSession.state != ENDED)
    )


def trainer_sessions(session: Session, user: User) -> list[LiveSession]:
    """Sessions a trainer may run (their cohorts'), every session for an admin; newest first."""
    query = select(LiveSession).order_by(LiveSession.scheduled_at.desc(), LiveSession.id.desc())
    query = query.where(LiveSession.cohort_id.in_(visible_cohort_ids(user)))
    return list(session.scalars(query))


def joinable_sessions(session: Session, user: User) -> list[LiveSession]:
    """Open or running sessions of the coach's cohorts: the home page offers to join them."""
    query = (
        select(LiveSession)
        .where(
            LiveSession.cohort_id.in_(visible_cohort_ids(user)),
            LiveSession.state.in_((OPEN, RUNNING, PAUSED)),
        )
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


def attendees(session: Session, live_id: int) -> set[int]:
    """The coaches who joined a live session (its participant rows, whatever their statements)."""
    query = select(LiveParticipant.user_id).where(LiveParticipant.live_session_id == live_id)
    return set(session.scalars(query))


def latest_answers(session: Session, live_id: int, position: int) -> list:
    """The latest raw answer of each participant to the question at ``position``, in one query
    whatever the size of the room."""
    newest = (
        select(func.max(Answer.id))
        .join(AttemptSlot, AttemptSlot.id == Answer.slot_id)
        .join(LiveParticipant, LiveParticipant.attempt_id == AttemptSlot.attempt_id)
        .where(LiveParticipant.live_session_id == live_id, AttemptSlot.position == position)
        .group_by(AttemptSlot.id)
    )
    return list(session.scalars(select(Answer.raw).where(Answer.id.in_(newest))))


def participant_count(session: Session, live_id: int) -> int:
    query = select(func.count(LiveParticipant.id))
    return session.scalar(query.where(LiveParticipant.live_session_id == live_id))


def participants_seen_since(session: Session, live_id: int, since: datetime) -> list:
    """Participants who have not left and whose screen polled after ``since``, with their user."""
    query = (
        select(LiveParticipant)
        .where(
            LiveParticipant.live_session_id == live_id,
            LiveParticipant.left_at.is_(None),
            LiveParticipant.last_seen_at >= since,
        )
        .options(joinedload(LiveParticipant.user))
        .order_by(LiveParticipant.id)
    )
    return list(session.scalars(query))


def answered(session: Session, attempt_id: int, position: int) -> bool:
    """Whether the attempt holds an answer to the question at ``position``."""
    query = (
        select(Answer.id)
        .join(AttemptSlot, AttemptSlot.id == Answer.slot_id)
        .where(AttemptSlot.attempt_id == attempt_id, AttemptSlot.position == position)
    )
    return session.scalar(query.limit(1)) is not None

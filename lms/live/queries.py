"""What the live-session pages read: sessions by id or join code, per trainer or coach."""

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from lms.auth.models import User
from lms.auth.policy import visible_cohort_ids
from lms.live.models import (
    ENDED,
    OPEN,
    PAUSED,
    RUNNING,
    LiveParticipant,
    LiveQuestionState,
    LiveScore,
    LiveSession,
)
from lms.quiz.models import Answer, AttemptSlot


def live_session(session: Session, live_id: int) -> LiveSession | None:
    """The session; its questions, read only when a page needs them, come with their versions
    in the same query (the question on screen is always shown or checked with its version)."""
    return session.get(
        LiveSession,
        live_id,
        options=[lazyload(LiveSession.questions).joinedload(LiveQuestionState.question_version)],
    )


def poll_mark(session: Session, live_id: int, user: User):
    """What a coach's poll compares before anything else, in one read by primary key: the
    session's ``revision``, ``phase`` and ``question_deadline``, whether ``user`` may see it
    (``visible``), and their participation's ``participant_id``, ``last_seen_at`` and
    ``left_at`` (None when they have not joined). None when the session does not exist."""
    query = (
        select(
            LiveSession.revision,
            LiveSession.phase,
            LiveSession.question_deadline,
            LiveSession.cohort_id.in_(visible_cohort_ids(user)).label("visible"),
            LiveParticipant.id.label("participant_id"),
            LiveParticipant.last_seen_at,
            LiveParticipant.left_at,
        )
        .outerjoin(
            LiveParticipant,
            and_(
                LiveParticipant.live_session_id == LiveSession.id,
                LiveParticipant.user_id == user.id,
            ),
        )
        .where(LiveSession.id == live_id)
    )
    return session.execute(query).one_or_none()


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


def _newest_answers(live_id: int, position: int):
    """The id of each participant's latest answer to the question at ``position``."""
    return (
        select(func.max(Answer.id))
        .join(AttemptSlot, AttemptSlot.id == Answer.slot_id)
        .join(LiveParticipant, LiveParticipant.attempt_id == AttemptSlot.attempt_id)
        .where(LiveParticipant.live_session_id == live_id, AttemptSlot.position == position)
        .group_by(AttemptSlot.id)
    )


def latest_answers(session: Session, live_id: int, position: int) -> list:
    """The latest raw answer of each participant to the question at ``position``, in one query
    whatever the size of the room."""
    query = select(Answer.raw).where(Answer.id.in_(_newest_answers(live_id, position)))
    return list(session.scalars(query))


def answers_with_times(session: Session, live_id: int, position: int) -> list:
    """(participant id, raw answer, saved at) of each participant's latest answer to the
    question at ``position``, in one query."""
    newest = _newest_answers(live_id, position)
    query = (
        select(LiveParticipant.id, Answer.raw, Answer.saved_at)
        .join(AttemptSlot, AttemptSlot.id == Answer.slot_id)
        .join(LiveParticipant, LiveParticipant.attempt_id == AttemptSlot.attempt_id)
        .where(Answer.id.in_(newest), LiveParticipant.live_session_id == live_id)
    )
    return list(session.execute(query))


def participant_ids(session: Session, live_id: int) -> list[int]:
    query = select(LiveParticipant.id).where(LiveParticipant.live_session_id == live_id)
    return list(session.scalars(query.order_by(LiveParticipant.id)))


def participant_count(session: Session, live_id: int) -> int:
    query = select(func.count(LiveParticipant.id))
    return session.scalar(query.where(LiveParticipant.live_session_id == live_id))


def names_seen_since(session: Session, live_id: int, since: datetime) -> list[str]:
    """The names of the participants who have not left and whose screen polled after
    ``since``, in join order (their names only: a room may be hundreds)."""
    query = (
        select(User.display_name)
        .join(LiveParticipant, LiveParticipant.user_id == User.id)
        .where(
            LiveParticipant.live_session_id == live_id,
            LiveParticipant.left_at.is_(None),
            LiveParticipant.last_seen_at >= since,
        )
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


def _totals(live_id: int):
    """Each participant's points so far, with their number in join order."""
    points = (
        select(LiveScore.participant_id, func.sum(LiveScore.points).label("points"))
        .where(LiveScore.live_session_id == live_id)
        .group_by(LiveScore.participant_id)
        .subquery()
    )
    return (
        select(
            LiveParticipant.id.label("participant_id"),
            func.row_number().over(order_by=LiveParticipant.id).label("number"),
            func.coalesce(points.c.points, 0).label("points"),
        )
        .outerjoin(points, points.c.participant_id == LiveParticipant.id)
        .where(LiveParticipant.live_session_id == live_id)
        .subquery()
    )


def best_participants(session: Session, live_id: int, limit: int | None = None) -> list[tuple]:
    """(participant with their user, number in join order, points), the most points first,
    then in join order; the first ``limit`` only, in one query."""
    totals = _totals(live_id)
    query = (
        select(LiveParticipant, totals.c.number, totals.c.points)
        .join(totals, totals.c.participant_id == LiveParticipant.id)
        .options(joinedload(LiveParticipant.user))
        .order_by(totals.c.points.desc(), totals.c.number)
        .limit(limit)
    )
    return [
        (participant, number, int(points)) for participant, number, points in session.execute(query)
    ]


def rank_of(session: Session, live_id: int, points: int) -> int:
    """1 + the number of participants with more points than ``points``."""
    totals = _totals(live_id)
    return 1 + session.scalar(select(func.count()).where(totals.c.points > points))


def scores_of(session: Session, participant_id: int) -> dict[int, LiveScore]:
    """A participant's points per question position."""
    query = select(LiveScore).where(LiveScore.participant_id == participant_id)
    return {score.position: score for score in session.scalars(query)}


def activity(session: Session, live: LiveSession, since: datetime) -> tuple:
    """What a trainer's screen shows, in one query: (revision, participants, answers to the
    current question, participants seen since ``since``). A change of any redraws it."""
    in_session = LiveParticipant.live_session_id == live.id
    participants = select(func.count(LiveParticipant.id)).where(in_session)
    present = participants.where(
        LiveParticipant.left_at.is_(None), LiveParticipant.last_seen_at >= since
    )
    answered = (
        select(func.count(func.distinct(AttemptSlot.id)))
        .join(Answer, Answer.slot_id == AttemptSlot.id)
        .join(LiveParticipant, LiveParticipant.attempt_id == AttemptSlot.attempt_id)
        .where(in_session, AttemptSlot.position == (live.current_position or 0))
    )
    query = select(
        LiveSession.revision,
        participants.scalar_subquery(),
        answered.scalar_subquery(),
        present.scalar_subquery(),
    ).where(LiveSession.id == live.id)
    return tuple(session.execute(query).one())

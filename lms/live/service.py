"""Live trainer-led sessions: schedule, lobby with a join code, one question at a time, end.

All the state is in the database, so any web worker answers any coach. Functions flush, never
commit; the view commits."""

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from lms.auth.actors import actor_of
from lms.auth.models import Cohort, User
from lms.catalog import queries as catalog
from lms.catalog.models import Module, QuestionVersion, Quiz
from lms.competence import service as competence
from lms.competence.assessment import skills_missing
from lms.errors import UserError
from lms.i18n import N_
from lms.live import notify, queries
from lms.live.models import (
    ASKING,
    BOARD_OFF,
    BOARD_PSEUDONYMS,
    CLOSED,
    ENDED,
    FULL_POINTS,
    LEADERBOARDS,
    OPEN,
    PAUSED,
    REVEALED,
    RUNNING,
    SCHEDULED,
    LiveParticipant,
    LiveQuestionState,
    LiveScore,
    LiveSession,
)
from lms.quiz import queries as quiz_queries
from lms.quiz import service as quiz_service
from lms.quiz import types
from lms.quiz.models import OPEN as ATTEMPT_OPEN
from lms.quiz.models import Attempt, AttemptSlot
from lms.timeutil import utcnow
from lms.xapi import outbox
from lms.xapi import statements as xs

# A coach whose screen has not polled for this long is counted as gone.
PRESENCE_TIMEOUT = timedelta(seconds=30)
# Polls refresh ``last_seen_at`` at most this often, to keep writes rare.
PRESENCE_WRITE_EVERY = timedelta(seconds=10)


class LiveError(UserError):
    """An action the current state of a live session does not allow."""


def schedule(
    session: Session,
    *,
    trainer: User,
    cohort: Cohort,
    quiz: Quiz,
    module: Module,
    scheduled_at: datetime,
    versions: list[QuestionVersion],
    webinar_url: str = "",
    question_seconds: int = 0,
    title: str = "",
    assessed: bool = False,
    speed_bonus: bool = False,
    leaderboard: str | None = None,
) -> LiveSession:
    """Plan a live session of ``module`` for ``cohort`` with the chosen questions, in order.

    A practice session never counts for the unit; an assessed one counts when its questions
    cover every skill of the unit. The leaderboard is off unless asked for, except in a
    practice session, which shows one with pseudonyms by default."""
    if not versions:
        raise LiveError(N_("Choose at least one question."))
    if len({version.id for version in versions}) != len(versions):
        raise LiveError(N_("A question is chosen twice."))
    if not all(types.question_type(version.definition).asked_live for version in versions):
        raise LiveError(N_("Essay questions cannot be asked in a live session."))
    if question_seconds < 0:
        raise LiveError(N_("The time per question cannot be negative."))
    if speed_bonus and not question_seconds:
        raise LiveError(N_("Points for speed need a time per question."))
    if leaderboard is None:
        leaderboard = BOARD_OFF if assessed else BOARD_PSEUDONYMS
    if leaderboard not in LEADERBOARDS:
        raise LiveError(N_("Unknown leaderboard choice."))
    live = LiveSession(
        cohort_id=cohort.id,
        trainer_id=trainer.id,
        module_code=module.code,
        quiz_id=quiz.id,
        title=title or module.code,
        scheduled_at=scheduled_at,
        webinar_url=webinar_url or None,
        question_seconds=question_seconds,
        assessed=assessed,
        speed_bonus=speed_bonus,
        leaderboard=leaderboard,
        state=SCHEDULED,
        revision=0,
    )
    for position, version in enumerate(versions, start=1):
        live.questions.append(LiveQuestionState(position=position, question_version_id=version.id))
    session.add(live)
    session.flush()
    return live


def uncovered_skills(session: Session, live: LiveSession) -> list[str]:
    """The unit's skills the session's questions leave out: an assessed session that leaves
    any out counts as practice (its attempts do not cover the unit)."""
    versions = [question.question_version for question in live.questions]
    return skills_missing(versions, catalog.unit_skill_ids(session, live.module_code))


def _claim(session: Session, live: LiveSession, expected: int | None, **values) -> None:
    """Apply ``values`` only if nobody changed the session since the trainer's page showed
    revision ``expected`` (two clicks, two tabs or two workers never advance twice)."""
    query = update(LiveSession).where(LiveSession.id == live.id)
    if expected is not None:
        query = query.where(LiveSession.revision == expected)
    values["revision"] = LiveSession.revision + 1
    changed = session.execute(query.values(**values).execution_options(synchronize_session=False))
    session.refresh(live)
    if changed.rowcount != 1:
        raise LiveError(N_("The session changed in the meantime; here is its current state."))
    notify.announce(session, live.id)


def open_session(
    session: Session,
    live: LiveSession,
    *,
    expected: int | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> LiveSession:
    """Open the lobby with a fresh 6-digit join code (unique among sessions not ended)."""
    now, rng = now or utcnow(), rng or random.SystemRandom()
    if live.state != SCHEDULED:
        raise LiveError(N_("This session is already open."))
    for _ in range(20):
        code = f"{rng.randrange(0, 1_000_000):06d}"
        taken = session.scalar(select(LiveSession.id).where(LiveSession.join_code == code))
        if taken is None:
            break
    else:  # pragma: no cover - a million codes, a handful in use
        raise LiveError(N_("No join code is free; try again."))
    # Two sessions drawing the same code at the same instant: the unique constraint refuses one.
    _claim(session, live, expected, state=OPEN, join_code=code, opened_at=now)
    return live


def join(
    session: Session,
    live: LiveSession,
    *,
    user: User,
    cohort: Cohort,
    quiz: Quiz,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
) -> LiveParticipant:
    """Admit a coach of the cohort (or take them back after a refresh or a lost connection)."""
    now = now or utcnow()
    if live.state in (SCHEDULED, ENDED):
        raise LiveError(N_("This session is not open."))
    if not any(coach.id == user.id for coach in cohort.coaches):
        raise LiveError(N_("This session is for another cohort."))
    participant = participant_of(session, live, user)
    if participant is None:
        participant = LiveParticipant(
            live_session_id=live.id, user_id=user.id, joined_at=now, last_seen_at=now
        )
        session.add(participant)
        session.flush()
    participant.left_at = None
    participant.last_seen_at = now
    if participant.attempt_id is None:
        participant.attempt_id = _live_attempt(session, live, user, quiz, xapi, now).id
    session.flush()
    return participant


def _live_attempt(session, live, user, quiz, xapi, now) -> Attempt:
    versions = [question.question_version for question in live.questions]
    attempt = quiz_service.start(
        session,
        user=user,
        quiz=quiz,
        xapi=xapi,
        now=now,
        live_session_id=live.id,
        live_session_uuid=live.public_id,
        versions=versions,
        practice=not live.assessed,
    )
    if attempt.live_session_id != live.id:
        # start() resumes any open attempt at the quiz: a self-paced one must be finished first.
        raise LiveError(
            N_("You have an unfinished attempt at this quiz. Submit it, then join the session.")
        )
    return attempt


def participant_of(session: Session, live: LiveSession, user: User) -> LiveParticipant | None:
    """The coach's participation with their attempt (an answer checks it), in one query."""
    return session.scalar(
        select(LiveParticipant)
        .where(LiveParticipant.live_session_id == live.id, LiveParticipant.user_id == user.id)
        .options(joinedload(LiveParticipant.attempt))
    )


def seen(session: Session, participant: LiveParticipant, *, now: datetime | None = None) -> bool:
    """A poll from the coach's screen: they are still there. Whether that was written."""
    now = now or utcnow()
    if _presence_due(participant, now):
        participant.last_seen_at = now
        session.flush()
        return True
    return False


def seen_at_poll(session: Session, mark, *, now: datetime | None = None) -> bool:
    """``seen`` for a poll that read only ``queries.poll_mark``: written by the participant's
    id, when they have joined and it is due. Whether that was written."""
    now = now or utcnow()
    if mark.participant_id is None or not _presence_due(mark, now):
        return False
    session.execute(
        update(LiveParticipant)
        .where(LiveParticipant.id == mark.participant_id)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


def _presence_due(participant, now: datetime) -> bool:
    """Whether a poll should write the presence (``last_seen_at`` and ``left_at`` of a
    participant or of a poll's mark): rarely, and never for a coach who left."""
    return participant.left_at is None and now - participant.last_seen_at >= PRESENCE_WRITE_EVERY


def leave(session: Session, participant: LiveParticipant, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    if participant.left_at is None:
        participant.left_at = now
        participant.last_seen_at = now
        session.flush()


def timer_ran_out(live: LiveSession, now: datetime) -> bool:
    """The question on screen is still open though its time is up: the next tick closes it.
    ``live``: the session, or a poll's mark (``queries.poll_mark``)."""
    return (
        live.phase == ASKING
        and live.question_deadline is not None
        and now >= live.question_deadline
    )


def tick(session: Session, live: LiveSession, *, now: datetime | None = None) -> bool:
    """Close the current question once its timer has run out (whoever polls first does it);
    whether anything was written."""
    now = now or utcnow()
    closed_here = False
    if timer_ran_out(live, now):
        query = (
            update(LiveSession)
            .where(
                LiveSession.id == live.id,
                LiveSession.phase == ASKING,
                LiveSession.current_position == live.current_position,
            )
            .values(phase=CLOSED, revision=LiveSession.revision + 1)
            .execution_options(synchronize_session=False)
        )
        closed_here = session.execute(query).rowcount == 1
        if closed_here:
            notify.announce(session, live.id)
        # Refresh first: refreshing reloads the questions too and would drop a pending change.
        session.refresh(live)
        if closed_here:
            _close(session, live, live.question_at(live.current_position), now)
    return closed_here


def control(
    session: Session,
    live: LiveSession,
    action: str,
    *,
    expected: int | None,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
) -> LiveSession:
    """The trainer's buttons: open, next, close, reveal, pause, resume, end."""
    now = now or utcnow()
    actions = {
        "open": lambda: open_session(session, live, expected=expected, now=now),
        "next": lambda: _next_question(session, live, expected, now),
        "close": lambda: _close_question(session, live, expected, now),
        "reveal": lambda: _reveal(session, live, expected, now),
        "pause": lambda: _pause(session, live, expected, now),
        "resume": lambda: _resume(session, live, expected, now),
        "end": lambda: end(session, live, expected=expected, xapi=xapi, now=now),
    }
    if action not in actions:
        raise LiveError(N_("Unknown action."))
    actions[action]()
    return live


def _next_question(session, live, expected, now) -> None:
    if live.state not in (OPEN, RUNNING):
        raise LiveError(N_("The session must be open and not paused to show a question."))
    position = (live.current_position or 0) + 1
    question = live.question_at(position)
    if question is None:
        raise LiveError(N_("There are no more questions; end the session."))
    deadline = now + timedelta(seconds=live.question_seconds) if live.question_seconds else None
    _claim(
        session,
        live,
        expected,
        state=RUNNING,
        current_position=position,
        phase=ASKING,
        question_deadline=deadline,
    )
    _close(session, live, live.question_at(position - 1), now)
    question.opened_at = now
    session.flush()


def _close_question(session, live, expected, now) -> None:
    if live.phase != ASKING:
        raise LiveError(N_("No question is open."))
    _claim(session, live, expected, phase=CLOSED)
    _close(session, live, live.question_at(live.current_position), now)


def _reveal(session, live, expected, now) -> None:
    if live.phase not in (ASKING, CLOSED):
        raise LiveError(N_("No question to reveal."))
    question = live.question_at(live.current_position)
    _claim(session, live, expected, phase=REVEALED)
    _close(session, live, question, now)
    question.revealed_at = now
    session.flush()


def _close(session, live, question, now) -> None:
    """The answers to ``question`` are final: fix each participant's points for it, once."""
    if question is None or question.closed_at is not None:
        return
    question.closed_at = now
    definition = question.question_version.definition
    kind = types.question_type(definition)
    answers = {
        participant_id: (raw, saved_at)
        for participant_id, raw, saved_at in queries.answers_with_times(
            session, live.id, question.position
        )
    }
    window = live.question_seconds or (now - (question.opened_at or now)).total_seconds()
    for participant_id in queries.participant_ids(session, live.id):
        raw, saved_at = answers.get(participant_id, (None, None))
        if _blank(raw):
            state, fraction, seconds = "unanswered", 0.0, None
        else:
            result = kind.score(definition, kind.parse_response(definition, raw))
            state, fraction = result.state, result.fraction or 0.0
            seconds = max(0.0, (saved_at - (question.opened_at or saved_at)).total_seconds())
        session.add(
            LiveScore(
                live_session_id=live.id,
                participant_id=participant_id,
                position=question.position,
                state=state,
                fraction=fraction,
                points=points(fraction, seconds, window if live.speed_bonus else None),
                seconds=seconds,
            )
        )
    session.flush()


def points(fraction: float, seconds: float | None, window: float | None) -> int:
    """Points for an answer worth ``fraction``; with a speed window, an answer given at its
    end keeps half of them (the seconds are the server's, from the question's opening)."""
    if fraction <= 0:
        return 0
    speed = 1.0
    if window and seconds is not None:
        speed = 1.0 - 0.5 * min(1.0, seconds / window)
    return round(FULL_POINTS * fraction * speed)


def _pause(session, live, expected, now) -> None:
    if live.state != RUNNING:
        raise LiveError(N_("Only a running session can be paused."))
    _claim(session, live, expected, state=PAUSED)


def _resume(session, live, expected, now) -> None:
    if live.state != PAUSED:
        raise LiveError(N_("The session is not paused."))
    _claim(session, live, expected, state=RUNNING)


def end(
    session: Session,
    live: LiveSession,
    *,
    expected: int | None,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
) -> LiveSession:
    """End the session: grade every participant's attempt and record their attendance."""
    now = now or utcnow()
    if live.state == ENDED:
        raise LiveError(N_("This session has already ended."))
    _claim(
        session,
        live,
        expected,
        state=ENDED,
        phase=None,
        ended_at=now,
        join_code=None,
        question_deadline=None,
    )
    _close(session, live, live.question_at(live.current_position), now)
    module = session.scalars(select(Module).where(Module.code == live.module_code)).one()
    trainer = session.get(User, live.trainer_id)
    for participant in live.participants:
        if participant.left_at is None:
            gone = now - participant.last_seen_at > PRESENCE_TIMEOUT
            participant.left_at = participant.last_seen_at if gone else now
        if participant.attempt is not None and participant.attempt.state == ATTEMPT_OPEN:
            competence.submit_attempt(session, participant.attempt, xapi=xapi, now=now)
        participant.attended_statement_id = uuid.uuid4()
        outbox.record(
            session,
            xs.session_attended(
                quiz_service.coach_config(xapi, participant.user),
                statement_id=participant.attended_statement_id,
                timestamp=now,
                actor=actor_of(participant.user),
                session=xs.SessionRef(live.public_id, {"fr": live.title, "en": live.title}),
                joined_at=participant.joined_at,
                left_at=max(participant.left_at, participant.joined_at),
                module=quiz_service.module_ref(module),
                trainer=actor_of(trainer),
                registration=quiz_service.registration_for(session, participant.user, module.code),
            ),
            user_id=participant.user_id,
        )
    session.flush()
    return live


def answer(
    session: Session,
    live: LiveSession,
    participant: LiveParticipant,
    raw,
    *,
    now: datetime | None = None,
    slot: AttemptSlot | None = None,
) -> None:
    """A coach's answer to the question on screen; accepted until it is closed. ``slot``: the
    one ``slot_on_screen`` gave, when the caller read it to parse the answer."""
    now = now or utcnow()
    _answers_open_to(live, participant, now)
    seen(session, participant, now=now)  # an answer is a sign of life, as a poll is
    slot = slot or slot_on_screen(session, live, participant, now=now)
    if quiz_service.same_answer(slot.answer, raw):
        return
    quiz_service.save_slot_answer(session, participant.attempt, slot, raw, now=now)


def slot_on_screen(
    session: Session,
    live: LiveSession,
    participant: LiveParticipant,
    *,
    now: datetime | None = None,
) -> AttemptSlot:
    """The coach's slot of the question on screen with its question version and latest answer
    (one query); LiveError when that question no longer takes their answer."""
    _answers_open_to(live, participant, now or utcnow())
    (slot,) = quiz_queries.slots_with_latest(
        session, participant.attempt_id, [live.current_position]
    )
    return slot


def current_slot(
    session: Session, live: LiveSession, participant: LiveParticipant | None
) -> AttemptSlot | None:
    """The coach's slot of the question on screen, with its latest answer, or None."""
    if participant is None or participant.attempt_id is None or live.current_position is None:
        return None
    slots = quiz_queries.slots_with_latest(session, participant.attempt_id, [live.current_position])
    return slots[0] if slots else None


def _answers_open_to(live: LiveSession, participant: LiveParticipant, now: datetime) -> None:
    timed_out = live.question_deadline is not None and now >= live.question_deadline
    if live.state != RUNNING or live.phase != ASKING or timed_out:
        raise LiveError(N_("This question is closed; your answer was not saved."))
    attempt = participant.attempt
    if attempt is None or attempt.state != ATTEMPT_OPEN:
        raise LiveError(N_("You are not taking part in this session."))


# --- what the screens show --------------------------------------------------------------------


@dataclass
class Bar:
    """One bar of an answer distribution: label, count, and whether it is (part of) the key."""

    label: object  # a language map or a plain text
    count: int
    correct: bool = False


@dataclass
class Distribution:
    answered: int
    participants: int
    bars: list[Bar] = field(default_factory=list)

    @property
    def largest(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


OUTCOME_LABELS = {
    "correct": N_("Correct"),
    "partial": N_("Partly correct"),
    "incorrect": N_("Incorrect"),
}


def distribution(
    session: Session, live: LiveSession, position: int, *, participants: int | None = None
) -> Distribution:
    """How the participants answered: per option for choice questions, else per outcome; two
    queries whatever the size of the room (one when the caller counted the ``participants``:
    0 or None counts them)."""
    question = live.question_at(position)
    definition = question.question_version.definition
    raws = [raw for raw in queries.latest_answers(session, live.id, position) if not _blank(raw)]
    if not participants:
        participants = queries.participant_count(session, live.id)
    result = Distribution(answered=len(raws), participants=participants)
    kind = types.question_type(definition)
    responses = [kind.parse_response(definition, raw) for raw in raws]
    bars = kind.live_bars(definition, responses)
    if bars is not None:
        result.bars = [Bar(label, count, correct) for label, count, correct in bars]
    else:
        counts = Counter(kind.score(definition, response).state for response in responses)
        result.bars = [
            Bar(label, counts[state], state == "correct") for state, label in OUTCOME_LABELS.items()
        ]
    return result


@dataclass
class QuestionResult:
    position: int
    version: QuestionVersion
    answered: int
    correct: int
    score: float | None  # mean fraction over participants


@dataclass
class LiveSummary:
    participants: list[LiveParticipant]
    questions: list[QuestionResult]
    skills: dict[str, float]  # mean fraction per skill over the participants' attempts


def summary(live: LiveSession) -> LiveSummary:
    """For the trainer after (or during) the session: attendance, per question, per skill."""
    questions = []
    for question in live.questions:
        fractions, answered = [], 0
        for participant in live.participants:
            slot = _slot(participant.attempt, question.position)
            if slot is None:
                continue
            if slot.answer is not None and not _blank(slot.answer.raw):
                answered += 1
            grade = slot.grade
            if grade is not None and grade.fraction is not None:
                fractions.append(grade.fraction)
        questions.append(
            QuestionResult(
                position=question.position,
                version=question.question_version,
                answered=answered,
                correct=sum(1 for f in fractions if f >= 1.0 - 1e-9),
                score=sum(fractions) / len(fractions) if fractions else None,
            )
        )
    earned: Counter = Counter()
    maximum: Counter = Counter()
    for participant in live.participants:
        for score in participant.attempt.skill_scores if participant.attempt else []:
            earned[score.skill_id] += score.earned
            maximum[score.skill_id] += score.maximum
    skills = {skill: earned[skill] / maximum[skill] for skill in sorted(maximum) if maximum[skill]}
    return LiveSummary(list(live.participants), questions, skills)


def _blank(raw) -> bool:
    return raw is None or raw in ("", [], {})


def _slot(attempt: Attempt | None, position: int):
    if attempt is None:
        return None
    return next((slot for slot in attempt.slots if slot.position == position), None)


@dataclass
class Standing:
    """A line of the leaderboard: rank (shared by a tie), the participant, their number in
    join order (a default pseudonym: "Player 3"), points."""

    rank: int
    participant: LiveParticipant
    number: int
    points: int


def standings(session: Session, live: LiveSession, limit: int | None = None) -> list[Standing]:
    """The participants by points, ties sharing a rank (1, 2, 2, 4), then in join order; the
    first ``limit`` only (one query, whatever the size of the room)."""
    result: list[Standing] = []
    rows = queries.best_participants(session, live.id, limit)
    for index, (participant, number, points) in enumerate(rows, start=1):
        rank = result[-1].rank if result and result[-1].points == points else index
        result.append(Standing(rank, participant, number, points))
    return result


# How many lines of the leaderboard a screen shows.
BOARD_LINES = 10


@dataclass
class Verdict:
    """What a coach sees of their own game: points per question so far, total, their rank
    among ``ranked`` participants (when the session has a leaderboard), and at the end the
    top of the leaderboard."""

    scores: dict  # position → LiveScore
    total: int
    rank: int | None
    ranked: int
    board: list[Standing]

    def at(self, position: int):
        return self.scores.get(position)


def verdict(session: Session, live: LiveSession, participant: LiveParticipant) -> Verdict:
    """A few queries whatever the size of the room: every coach's screen asks for its own."""
    scores = queries.scores_of(session, participant.id)
    total = sum(score.points for score in scores.values())
    ranked = live.leaderboard != BOARD_OFF
    return Verdict(
        scores=scores,
        total=total,
        rank=queries.rank_of(session, live.id, total) if ranked else None,
        ranked=queries.participant_count(session, live.id) if ranked else 0,
        board=standings(session, live, BOARD_LINES) if ranked and live.state == ENDED else [],
    )


def set_pseudonym(session: Session, participant: LiveParticipant, pseudonym: str) -> None:
    """The name a coach chose for the leaderboard of a session that uses pseudonyms."""
    pseudonym = " ".join(pseudonym.split())
    if not pseudonym:
        raise LiveError(N_("Enter a name for the leaderboard."))
    if len(pseudonym) > 40:
        raise LiveError(N_("A name on the leaderboard has at most 40 characters."))
    participant.pseudonym = pseudonym
    session.flush()


def present(session: Session, live: LiveSession, *, now: datetime | None = None) -> list[str]:
    """The names of the participants whose screen polled recently and who have not left."""
    return queries.names_seen_since(session, live.id, _present_since(now))


def activity(session: Session, live: LiveSession, *, now: datetime | None = None) -> tuple:
    """A fingerprint of what a trainer's screen shows (see ``queries.activity``), after
    closing a question whose time ran out."""
    now = now or utcnow()
    if timer_ran_out(live, now):
        tick(session, live, now=now)
    return queries.activity(session, live, _present_since(now))


def _present_since(now: datetime | None) -> datetime:
    return (now or utcnow()) - PRESENCE_TIMEOUT - PRESENCE_WRITE_EVERY

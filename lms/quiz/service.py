"""The attempt lifecycle: start, save_answer, submit, grade_manually, overdue_attempts.

Services flush and never commit; the caller (view or command) commits. Every learning event
records its xAPI statement through the outbox in the same transaction.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Integer, func, insert, literal, select, update
from sqlalchemy.orm import Session, attributes, make_transient_to_detached

from lms.auth.actors import actor_of
from lms.auth.models import User
from lms.catalog import queries as catalog
from lms.errors import UserError
from lms.i18n import N_
from lms.quiz import mastery, types
from lms.quiz.models import (
    GRADED,
    NEEDS_GRADING,
    OPEN,
    PRACTICE_SETTING,
    Answer,
    Attempt,
    AttemptSlot,
    Grade,
    Registration,
    SkillScore,
)
from lms.timeutil import UTCDateTime, utcnow
from lms.xapi import outbox
from lms.xapi import statements as xs

# A request sent just before the deadline may arrive a moment after it.
DEADLINE_GRACE = timedelta(seconds=2)


class AttemptError(UserError):
    """An action the attempt's state does not allow."""


@dataclass(frozen=True)
class Quota:
    used: int
    allowed: int  # 0 = unlimited

    @property
    def left(self) -> int | None:
        return None if not self.allowed else max(self.allowed - self.used, 0)


def feedback_allowed(attempt: Attempt) -> bool:
    """Whether the coach may see the key and the feedback now (the quiz's feedback timing)."""
    if attempt.is_open:
        return False
    if attempt.settings.get("feedback_timing") == "after_close":
        # A live session closes when it ends; a self-paced quiz has no closing date here,
        # so its key stays with the trainer.
        return attempt.live_session_id is not None
    return True


def cohorts_of(xapi: xs.XapiConfig, user: User) -> tuple[xs.CohortRef, ...]:
    """The coach's cohorts, for xAPI 2.0's contextGroups (read only in that mode)."""
    if xapi.xapi_version != "2.0.0":
        return ()
    return tuple(xs.CohortRef(f"cohort-{c.id}", c.name) for c in user.cohorts)


def coach_config(xapi: xs.XapiConfig, user: User) -> xs.XapiConfig:
    """The settings of statements about ``user``: their language and cohorts."""
    return xs.for_person(xapi, user.language, cohorts_of(xapi, user))


# Kept with the attempt's frozen settings: the live session's UUID its statements name.
LIVE_SESSION_UUID = "live_session_uuid"


def attempt_ref(attempt: Attempt) -> xs.AttemptRef:
    """How every statement of the attempt names it: the UUID of its ``attempted`` statement,
    and its live session if it has one."""
    live = attempt.settings.get(LIVE_SESSION_UUID)
    return xs.AttemptRef(attempt.statement_id, xs.SessionRef(uuid.UUID(live)) if live else None)


def result_statement_id(attempt: Attempt) -> uuid.UUID:
    """The id of the attempt's ``passed``/``failed`` statement, derived from the attempt, so a
    decision can reference it without storing it."""
    return uuid.uuid5(attempt.statement_id, "result")


def registration_for(session: Session, user: User, module_code: str) -> uuid.UUID:
    """The coach's registration UUID for a module, created on first use."""
    found = session.scalar(
        select(Registration).where(
            Registration.user_id == user.id, Registration.module_code == module_code
        )
    )
    if found is None:
        found = Registration(user_id=user.id, module_code=module_code)
        session.add(found)
        session.flush()
    return found.registration_uuid


def quota(session: Session, user: User, quiz) -> Quota:
    """Self-paced attempts used; answers given in live sessions do not use up attempts."""
    used = session.scalar(
        select(func.count()).where(
            Attempt.user_id == user.id,
            Attempt.quiz_id == quiz.id,
            Attempt.live_session_id.is_(None),
        )
    )
    return Quota(used=used, allowed=int(quiz.settings.get("attempts_allowed", 0)))


def open_attempt(
    session: Session, user: User, quiz, live_session_id: int | None = None
) -> Attempt | None:
    """The open self-paced attempt, or the open attempt of one live session."""
    live = (
        Attempt.live_session_id.is_(None)
        if live_session_id is None
        else Attempt.live_session_id == live_session_id
    )
    return session.scalar(
        select(Attempt).where(
            Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.state == OPEN, live
        )
    )


def _next_number(session: Session, user: User, quiz) -> int:
    latest = session.scalar(
        select(func.max(Attempt.number)).where(
            Attempt.user_id == user.id, Attempt.quiz_id == quiz.id
        )
    )
    return (latest or 0) + 1


def choose_questions(
    versions: list, count: int, unit_skills: list[str], rng: random.Random
) -> list:
    """``count`` questions at random with every unit skill represented when the bank allows."""
    if not count or count >= len(versions):
        return list(versions)
    chosen: list = []
    skills = list(unit_skills)
    rng.shuffle(skills)
    for skill in skills:
        if len(chosen) >= count or any(skill in v.definition["skills"] for v in chosen):
            continue
        candidates = [v for v in versions if v not in chosen and skill in v.definition["skills"]]
        if candidates:
            chosen.append(rng.choice(candidates))
    rest = [v for v in versions if v not in chosen]
    rng.shuffle(rest)
    chosen.extend(rest[: count - len(chosen)])
    return sorted(chosen, key=versions.index)


def start(
    session: Session,
    *,
    user: User,
    quiz,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
    rng: random.Random | None = None,
    live_session_id: int | None = None,
    live_session_uuid: uuid.UUID | None = None,
    versions: list | None = None,
    practice: bool = False,
) -> Attempt:
    """Resume the open attempt or start a new one with its questions frozen; a ``practice``
    attempt (a practice live session) never counts for the unit."""
    now, rng = now or utcnow(), rng or random.Random()
    current = open_attempt(session, user, quiz, live_session_id)
    if current is not None:
        return current
    used = quota(session, user, quiz)
    if used.left == 0 and live_session_id is None:
        raise AttemptError(
            N_("You have used all %(allowed)d attempts at this quiz."), allowed=used.allowed
        )
    module = catalog.module_by_code(session, quiz.module_code)
    settings = dict(quiz.settings)
    if live_session_uuid is not None:
        settings[LIVE_SESSION_UUID] = str(live_session_uuid)
    if practice:
        settings[PRACTICE_SETTING] = True
    if versions is None:
        versions = choose_questions(
            catalog.current_question_versions(session, quiz.module_code),
            int(settings.get("questions_per_attempt") or 0),
            catalog.unit_skill_ids(session, quiz.module_code),
            rng,
        )
    if not versions:
        raise AttemptError(N_("This quiz has no questions yet."))
    if settings.get("shuffle_questions") and live_session_id is None:
        versions = rng.sample(versions, len(versions))
    minutes = int(settings.get("time_limit_minutes") or 0)
    attempt = Attempt(
        user_id=user.id,
        quiz_id=quiz.id,
        module_code=quiz.module_code,
        number=_next_number(session, user, quiz),
        registration=registration_for(session, user, quiz.module_code),
        settings=settings,
        started_at=now,
        deadline=now + timedelta(minutes=minutes) if minutes and live_session_id is None else None,
        live_session_id=live_session_id,
    )
    for position, version in enumerate(versions, start=1):
        attempt.slots.append(
            AttemptSlot(
                position=position,
                question_version_id=version.id,
                option_order=_option_order(version.definition, settings, rng),
                max_mark=float(version.definition.get("mark", 1.0)),
            )
        )
    session.add(attempt)
    session.flush()
    outbox.record(
        session,
        xs.quiz_attempted(
            coach_config(xapi, user),
            statement_id=attempt.statement_id,
            timestamp=now,
            actor=actor_of(user),
            module=module_ref(module),
            quiz_title=quiz.title,
            attempt=attempt_ref(attempt),
            registration=attempt.registration,
        ),
        user_id=user.id,
    )
    return attempt


def _option_order(definition: dict, settings: dict, rng: random.Random) -> list | None:
    return types.question_type(definition).option_order(definition, settings, rng)


def module_ref(module) -> xs.ModuleRef:
    return xs.ModuleRef(code=module.code, title=module.title, units=(module.code,))


def same_answer(previous: Answer | None, raw) -> bool:
    """Whether ``raw`` repeats the slot's latest answer (a blank repeats no answer at all)."""
    if previous is None:
        return raw in (None, "", [], {})
    return previous.raw == raw


def slot_at(attempt: Attempt, position: int) -> AttemptSlot:
    for slot in attempt.slots:
        if slot.position == position:
            return slot
    raise AttemptError(N_("This question is not part of the attempt."))


def check_open(attempt: Attempt, now: datetime) -> None:
    if attempt.state != OPEN:
        raise AttemptError(N_("This attempt has been submitted; answers can no longer change."))
    if attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE:
        raise AttemptError(N_("The time limit has passed; this answer was not saved."))


def save_answer(
    session: Session, attempt: Attempt, position: int, raw, *, now: datetime | None = None
) -> Answer:
    """Validate the raw response (ResponseError if malformed) and store it exactly as given."""
    return save_slot_answer(session, attempt, slot_at(attempt, position), raw, now=now)


def save_slot_answer(
    session: Session, attempt: Attempt, slot: AttemptSlot, raw, *, now: datetime | None = None
) -> Answer:
    """:func:`save_answer` for a slot already at hand (a page loads only its own slots)."""
    now = now or utcnow()
    check_open(attempt, now)
    if slot.grade is not None:
        raise AttemptError(N_("This question has been checked; its answer can no longer change."))
    types.read_answer(slot.question_version.definition, raw)
    answer = _insert_while_open(session, attempt, slot, raw, now)
    attributes.set_committed_value(slot, "answers", [*slot.answers, answer])
    return answer


def _insert_while_open(
    session: Session, attempt: Attempt, slot: AttemptSlot, raw, now: datetime
) -> Answer:
    """Insert the answer in one statement that checks the attempt is still open when the row
    is written, so that no answer lands after a concurrent submit graded the attempt: on
    PostgreSQL it share-locks the attempt row (a submit's UPDATE waits for the save, or the
    save waits for the submit and then finds the attempt closed); on SQLite the statement
    runs under the database's write lock, which the submit holds until it commits."""
    still_open = (
        select(literal(slot.id, Integer), literal(raw, JSON), literal(now, UTCDateTime))
        .select_from(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == OPEN)
    )
    if session.get_bind().dialect.name == "postgresql":
        still_open = still_open.with_for_update(read=True)
    answer_id = session.execute(
        insert(Answer).from_select(["slot_id", "raw", "saved_at"], still_open).returning(Answer.id)
    ).scalar()
    if answer_id is None:
        raise AttemptError(N_("This attempt has been submitted; answers can no longer change."))
    answer = Answer(id=answer_id, slot_id=slot.id, raw=raw, saved_at=now)
    make_transient_to_detached(answer)
    session.add(answer)
    return answer


def set_flag(session: Session, attempt: Attempt, slot: AttemptSlot, flagged: bool) -> None:
    check_open(attempt, utcnow())
    slot.flagged = flagged
    session.flush()


def submit(
    session: Session,
    attempt: Attempt,
    *,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
    auto: bool = False,
) -> Attempt:
    """Close and grade the attempt once; later or concurrent calls return it unchanged.

    The conditional UPDATE is the claim: only one transaction sees the attempt open, the others
    wait on the row (PostgreSQL) or the write lock (SQLite) and then match no row.
    """
    now = now or utcnow()
    closed_at = min(now, attempt.deadline) if auto and attempt.deadline else now
    claimed = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == OPEN)
        .values(state=NEEDS_GRADING, submitted_at=closed_at, autosubmitted=auto)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(attempt)
    if claimed != 1:
        return attempt
    user = session.get(User, attempt.user_id)
    # Questions checked during the attempt (immediate feedback) keep the grade they were shown.
    unchecked = [slot for slot in attempt.slots if slot.grade is None]
    for slot in unchecked:
        _grade_automatically(slot, now)
    session.flush()
    _finish_grading(session, attempt, user, xapi=xapi, now=now, answered=unchecked)
    return attempt


def _grade_automatically(slot: AttemptSlot, now: datetime) -> Grade:
    answer = slot.answer
    _, outcome = types.score_raw(slot.question_version.definition, answer.raw if answer else None)
    grade = Grade(
        answer_id=answer.id if answer else None,
        fraction=outcome.fraction,
        state=outcome.state,
        feedback=outcome.feedback,
        graded_at=now,
    )
    slot.grades.append(grade)
    return grade


def check_answer(
    session: Session,
    attempt: Attempt,
    position: int,
    *,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
) -> Grade:
    """Immediate feedback: grade one question now and freeze its answer (Moodle's "Check")."""
    now = now or utcnow()
    if attempt.settings.get("feedback_timing") != "immediate":
        raise AttemptError(N_("This quiz gives its feedback after submission."))
    check_open(attempt, now)
    slot = slot_at(attempt, position)
    if slot.grade is not None:
        return slot.grade
    grade = _grade_automatically(slot, now)
    session.flush()
    user = session.get(User, attempt.user_id)
    module = catalog.module_by_code(session, attempt.module_code)
    _emit_answers(session, attempt, user, module, xapi=xapi, now=now, slots=[slot])
    return grade


def grade_manually(
    session: Session,
    slot: AttemptSlot,
    *,
    grader: User,
    fraction: float,
    xapi: xs.XapiConfig,
    rubric: dict | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> Grade:
    """A trainer's grade for one question (essays, or a regrade); history is kept."""
    now = now or utcnow()
    attempt = slot.attempt
    if attempt.state == OPEN:
        raise AttemptError(N_("The attempt is still open."))
    if not 0.0 <= fraction <= 1.0:
        raise AttemptError(N_("The grade must be between 0 and 100 %."))
    answer = slot.answer
    grade = Grade(
        answer_id=answer.id if answer else None,
        fraction=fraction,
        state=_state_of(fraction),
        feedback=[],
        grader_id=grader.id,
        rubric=rubric,
        comment=comment or None,
        graded_at=now,
    )
    slot.grades.append(grade)
    session.flush()
    _finish_grading(
        session,
        attempt,
        session.get(User, attempt.user_id),
        xapi=xapi,
        now=now,
        answered=[slot],
        instructor=grader,
    )
    return grade


def _state_of(fraction: float) -> str:
    if fraction >= 1.0 - 1e-9:
        return "correct"
    return "partial" if fraction > 0 else "incorrect"


def _finish_grading(session, attempt, user, *, xapi, now, answered, instructor=None) -> None:
    """Recompute totals, skill scores and the proposed status; emit what became known."""
    module = catalog.module_by_code(session, attempt.module_code)
    graded = []
    for slot in attempt.slots:
        fraction = slot.grade.fraction if slot.grade else None
        graded.append(
            mastery.GradedQuestion(
                skills=tuple(slot.question_version.definition["skills"]),
                mark=None if fraction is None else fraction * slot.max_mark,
                max_mark=slot.max_mark,
            )
        )
    pending = any(question.mark is None for question in graded)
    attempt.max_marks = sum(q.max_mark for q in graded)
    attempt.marks = round(sum(q.mark or 0.0 for q in graded), 6)
    attempt.score = attempt.marks / attempt.max_marks if attempt.max_marks else 0.0
    pass_mark = float(attempt.settings.get("pass_mark", 0.7))
    attempt.passed = None if pending else attempt.score >= pass_mark - 1e-9
    rule = mastery.MasteryRule(**module.mastery)
    attempt.proposed_status = mastery.proposed_status(
        graded, rule, catalog.unit_skill_ids(session, attempt.module_code)
    )
    attempt.skill_scores.clear()
    session.flush()
    for marks in mastery.skill_marks(graded):
        attempt.skill_scores.append(
            SkillScore(skill_id=marks.skill, earned=marks.earned, maximum=marks.maximum)
        )
    attempt.state = NEEDS_GRADING if pending else GRADED
    session.flush()
    _emit_grading(
        session,
        attempt,
        user,
        module,
        xapi=coach_config(xapi, user),
        now=now,
        answered=answered,
        final=not pending,
        grader=instructor,
    )


def _emit_answers(session, attempt, user, module, *, xapi, now, slots) -> None:
    """An ``answered`` statement per graded question, with its key: only once graded, and
    none for a blank (no answer was given)."""
    actor, ref = actor_of(user), module_ref(module)
    xapi = coach_config(xapi, user)
    for slot in slots:
        grade = slot.grade
        if grade is None or grade.fraction is None or slot.answer is None:
            continue
        definition = slot.question_version.definition
        response = types.xapi_response(
            definition, types.parse_response(definition, slot.answer.raw)
        )
        if not response.strip():
            continue
        outbox.record(
            session,
            xs.question_answered(
                xapi,
                statement_id=uuid.uuid4(),
                timestamp=min(slot.answer.saved_at, now),
                actor=actor,
                module=ref,
                question_code=definition["id"],
                interaction=types.xapi_interaction(definition, xapi.language),
                response=response,
                success=grade.fraction >= 1.0 - 1e-9,
                score=xs.Score.points(round(grade.fraction * slot.max_mark, 4), slot.max_mark),
                question_title=definition["text"],
                attempt=attempt_ref(attempt),
                registration=attempt.registration,
            ),
            user_id=user.id,
        )


def _emit_grading(session, attempt, user, module, *, xapi, now, answered, final, grader) -> None:
    """What became known: the answers; at submission ``completed`` (at the time the coach
    finished) and, once every answer is graded, the result (``passed``/``failed``, also at
    that time); a trainer's grade that completes or changes the result adds ``scored``, at
    the grading time, with the grader as instructor."""
    _emit_answers(session, attempt, user, module, xapi=xapi, now=now, slots=answered)
    quiz = catalog.quiz_by_id(session, attempt.quiz_id)
    finished_at = attempt.submitted_at
    common = {
        "actor": actor_of(user),
        "registration": attempt.registration,
        "module": module_ref(module),
        "quiz_title": quiz.title,
        "attempt": attempt_ref(attempt),
    }
    duration = max((finished_at - attempt.started_at).total_seconds(), 0.0)
    score = xs.Score.points(attempt.marks, attempt.max_marks) if attempt.max_marks else None
    records = []
    if grader is None:
        records.append(
            xs.quiz_completed(
                xapi,
                statement_id=uuid.uuid4(),
                timestamp=finished_at,
                duration_seconds=duration,
                score=score if final else None,
                **common,
            )
        )
    elif final and score is not None:
        records.append(
            xs.quiz_scored(
                xapi,
                statement_id=uuid.uuid4(),
                timestamp=now,
                grader=actor_of(grader),
                score=score,
                passed=bool(attempt.passed),
                **common,
            )
        )
    result_id = result_statement_id(attempt)
    if final and score is not None and not outbox.is_recorded(session, result_id):
        records.append(
            xs.quiz_outcome(
                xapi,
                statement_id=result_id,
                timestamp=finished_at,
                score=score,
                passed=bool(attempt.passed),
                duration_seconds=duration,
                **common,
            )
        )
    for statement in records:
        outbox.record(session, statement, user_id=user.id)


def overdue_attempts(session: Session, now: datetime) -> list[Attempt]:
    return list(
        session.scalars(
            select(Attempt).where(Attempt.state == OPEN, Attempt.deadline < now - DEADLINE_GRACE)
        )
    )

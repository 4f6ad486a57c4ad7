"""Coach actions outside the quiz engine: module launched, lesson done, answers of a page.
Functions flush, never commit; the view commits."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.actors import actor_of
from lms.auth.models import User
from lms.catalog.models import Lesson, LessonVersion, Module
from lms.competence import service as competence
from lms.competence.models import Decision
from lms.delivery.models import LessonProgress, ModuleVisit
from lms.i18n import N_
from lms.quiz import service as quiz_service
from lms.quiz import types
from lms.quiz.models import Attempt, AttemptSlot
from lms.timeutil import utcnow
from lms.xapi import outbox
from lms.xapi import statements as xs


def visit_module(
    session: Session,
    *,
    user: User,
    module: Module,
    xapi: xs.XapiConfig,
    lesson_slug: str | None = None,
    now: datetime | None = None,
) -> ModuleVisit:
    """Note the coach's visit; the first one emits 'launched' for the module."""
    now = now or utcnow()
    visit = session.scalar(
        select(ModuleVisit).where(
            ModuleVisit.user_id == user.id, ModuleVisit.module_code == module.code
        )
    )
    if visit is None:
        visit = ModuleVisit(user_id=user.id, module_code=module.code, launched_at=now)
        session.add(visit)
        session.flush()
        outbox.record(
            session,
            xs.module_launched(
                quiz_service.coach_config(xapi, user),
                statement_id=visit.statement_id,
                timestamp=now,
                actor=actor_of(user),
                module=quiz_service.module_ref(module),
                registration=quiz_service.registration_for(session, user, module.code),
            ),
            user_id=user.id,
        )
    visit.last_visited_at = now
    if lesson_slug is not None:
        visit.last_lesson_slug = lesson_slug
    session.flush()
    return visit


# A lesson page left open longer than this was not read all that time.
MAX_LESSON_SECONDS = 3 * 3600


def _time_on_lesson(session, user, module, slug: str, now: datetime) -> float | None:
    """Seconds since the coach opened this lesson's page, when it is the last page they
    opened in the module (capped): the time spent on it."""
    visit = session.scalar(
        select(ModuleVisit).where(
            ModuleVisit.user_id == user.id, ModuleVisit.module_code == module.code
        )
    )
    if visit is None or visit.last_lesson_slug != slug:
        return None
    seconds = (now - visit.last_visited_at).total_seconds()
    return min(seconds, MAX_LESSON_SECONDS) if seconds >= 0 else None


def mark_lesson_done(
    session: Session,
    *,
    user: User,
    module: Module,
    lesson: Lesson,
    version: LessonVersion,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
) -> LessonProgress:
    """Record the lesson as read and emit 'experienced' once; marking it again changes nothing."""
    now = now or utcnow()
    done = session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id,
            LessonProgress.module_code == module.code,
            LessonProgress.lesson_slug == lesson.slug,
        )
    )
    if done is not None:
        return done
    spent = _time_on_lesson(session, user, module, lesson.slug, now)
    visit_module(session, user=user, module=module, xapi=xapi, now=now)
    done = LessonProgress(
        user_id=user.id, module_code=module.code, lesson_slug=lesson.slug, completed_at=now
    )
    session.add(done)
    session.flush()
    outbox.record(
        session,
        xs.lesson_experienced(
            quiz_service.coach_config(xapi, user),
            statement_id=done.statement_id,
            timestamp=now,
            actor=actor_of(user),
            module=quiz_service.module_ref(module),
            lesson_slug=lesson.slug,
            lesson_title=version.title,
            duration_seconds=spent,
            registration=quiz_service.registration_for(session, user, module.code),
        ),
        user_id=user.id,
    )
    return done


def save_answers(
    session: Session,
    attempt: Attempt,
    slots: list[AttemptSlot],
    answers: dict[int, object],
    flags: dict[int, bool],
    *,
    now: datetime | None = None,
) -> dict[int, types.ResponseError]:
    """Save what a quiz page sent for its ``slots``: only answers that changed get a new row
    (answers are never updated); returns the unreadable answers by position, to show next to
    their question."""
    now = now or utcnow()
    quiz_service.check_open(attempt, now)
    by_position = {slot.position: slot for slot in slots}

    def slot_at(position: int) -> AttemptSlot:
        if position not in by_position:
            raise quiz_service.AttemptError(N_("This question is not part of the attempt."))
        return by_position[position]

    errors: dict[int, types.ResponseError] = {}
    for position, raw in sorted(answers.items()):
        slot = slot_at(position)
        if slot.grade is not None or quiz_service.same_answer(slot.answer, raw):
            continue  # a checked question (immediate feedback) keeps its answer
        try:
            quiz_service.save_slot_answer(session, attempt, slot, raw, now=now)
        except types.ResponseError as error:
            errors[position] = error
    for position, flagged in flags.items():
        slot = slot_at(position)
        if slot.flagged != flagged:
            quiz_service.set_flag(session, attempt, slot, flagged)
    return errors


def submit(
    session: Session,
    attempt: Attempt,
    *,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
    auto: bool = False,
) -> Decision | None:
    """Submit through the competence package, so that a module validated by its quiz alone
    validates the unit at once; returns that validation, if any."""
    return competence.submit_attempt(session, attempt, xapi=xapi, now=now, auto=auto)[1]


def submit_if_overdue(
    session: Session, attempt: Attempt, *, xapi: xs.XapiConfig, now: datetime | None = None
) -> bool:
    """Submit, with the answers saved in time, an open attempt whose deadline has passed."""
    now = now or utcnow()
    deadline = attempt.deadline
    if attempt.is_open and deadline and now > deadline + quiz_service.DEADLINE_GRACE:
        submit(session, attempt, xapi=xapi, now=now, auto=True)
        return True
    return False


def submit_at_deadline(
    session: Session, attempt: Attempt, *, xapi: xs.XapiConfig, now: datetime | None = None
) -> bool:
    """The page's countdown reached zero: submit with what was saved, if the deadline is here
    (a second early is accepted: the browser's clock and the server's differ slightly)."""
    now = now or utcnow()
    if attempt.is_open and attempt.deadline and now >= attempt.deadline - timedelta(seconds=1):
        submit(session, attempt, xapi=xapi, now=now, auto=True)
        return True
    return False

"""Read-only quiz queries: the slots a save needs, the marks matrix that item analysis takes."""

from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms.quiz.models import GRADED, Answer, Attempt, AttemptSlot, Grade


@dataclass
class QuizMarks:
    """The marks matrix of a quiz's graded attempts, as item analysis takes it."""

    question_ids: list[str]
    max_marks: list[float]
    marks: list[list[float]]
    left_out: list[str]  # questions not given in every attempt (random selection)


def quiz_marks(session: Session, quiz_id: int, user_ids: Select | None = None) -> QuizMarks:
    """Graded attempts at the quiz (of ``user_ids`` if given); a mark is the latest grade."""
    query = (
        select(Attempt)
        .where(Attempt.quiz_id == quiz_id, Attempt.state == GRADED)
        .order_by(Attempt.id)
        .options(
            selectinload(Attempt.slots).selectinload(AttemptSlot.grades),
            selectinload(Attempt.slots).selectinload(AttemptSlot.question_version),
        )
    )
    if user_ids is not None:
        query = query.where(Attempt.user_id.in_(user_ids))
    rows: list[dict[str, float]] = []
    maxima: dict[str, float] = {}
    for attempt in session.scalars(query):
        row = {}
        for slot in attempt.slots:
            code = slot.question_version.definition["id"]
            grade = slot.grade
            row[code] = (grade.fraction or 0.0) * slot.max_mark if grade else 0.0
            maxima.setdefault(code, slot.max_mark)
        rows.append(row)
    # Item analysis needs a full matrix: shuffled order is fine, different questions are not.
    common = [code for code in sorted(maxima) if all(code in row for row in rows)]
    return QuizMarks(
        question_ids=common,
        max_marks=[maxima[code] for code in common],
        marks=[[row[code] for code in common] for row in rows],
        left_out=[code for code in sorted(maxima) if code not in common],
    )


def _newest_of_its_slot(model):
    """The id of the newest row (answer or grade) of the slot at hand, a correlated subquery."""
    older = aliased(model)
    newest = select(func.max(older.id)).where(older.slot_id == AttemptSlot.id)
    return newest.correlate(AttemptSlot).scalar_subquery()


# Built once: a save runs it with its own attempt and positions, from the compiled cache.
_SLOTS_TO_SAVE = (
    select(AttemptSlot, Answer, Grade)
    .select_from(AttemptSlot)
    .outerjoin(Answer, Answer.id == _newest_of_its_slot(Answer))
    .outerjoin(Grade, Grade.id == _newest_of_its_slot(Grade))
    .where(
        AttemptSlot.attempt_id == bindparam("attempt_id"),
        AttemptSlot.position.in_(bindparam("positions", expanding=True)),
    )
    .order_by(AttemptSlot.position)
    .options(joinedload(AttemptSlot.question_version))
)


def slots_with_latest(session: Session, attempt_id: int, positions: list[int]) -> list[AttemptSlot]:
    """The slots at ``positions`` with their question version and only their latest answer and
    grade, in one query: all a save compares with, so a save costs the same however many came
    before."""
    rows = session.execute(_SLOTS_TO_SAVE, {"attempt_id": attempt_id, "positions": positions})
    slots = []
    for slot, answer, grade in rows:
        set_committed_value(slot, "answers", [answer] if answer is not None else [])
        set_committed_value(slot, "grades", [grade] if grade is not None else [])
        slots.append(slot)
    return slots

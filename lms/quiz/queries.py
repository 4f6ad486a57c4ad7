"""Read-only quiz queries: the marks matrix that item analysis takes."""

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from lms.quiz.models import GRADED, Attempt, AttemptSlot


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

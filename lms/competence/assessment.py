"""Which quiz results speak for a unit.

A result proposes the unit only when the attempt's questions cover every skill of the unit. Any
other result — a live session of a few questions, a quiz whose bank misses a skill — is
practice: it keeps its score, but it neither passes the unit's quiz nor proposes the unit. An
attempt taken as practice (a practice live session marks its attempts so) is practice whatever
its questions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from lms.catalog import queries as catalog
from lms.quiz.models import Attempt

# The proposed status of an attempt that does not cover its unit (beside those of quiz.mastery).
PRACTICE = "practice"


def uncovered_skills(attempt: Attempt, unit_skills: Iterable[str]) -> list[str]:
    """The skills of the unit that none of the attempt's questions assesses, in unit order."""
    return skills_missing([slot.question_version for slot in attempt.slots], unit_skills)


def skills_missing(versions: Iterable, unit_skills: Iterable[str]) -> list[str]:
    """The skills of the unit that none of these question versions assesses, in unit order."""
    covered = {skill for version in versions for skill in version.definition["skills"]}
    return [skill for skill in unit_skills if skill not in covered]


def counts_for_the_unit(attempt: Attempt, unit_skills: Iterable[str]) -> bool:
    return not uncovered_skills(attempt, unit_skills)


def apply_coverage_rule(session: Session, attempt: Attempt) -> bool:
    """After each grading: an attempt that does not cover its unit becomes practice.

    Returns whether the attempt counts for the unit."""
    if attempt.proposed_status is None or attempt.is_open:
        return True
    if not attempt.practice and counts_for_the_unit(
        attempt, catalog.unit_skill_ids(session, attempt.module_code)
    ):
        return True
    attempt.proposed_status = PRACTICE
    session.flush()
    return False

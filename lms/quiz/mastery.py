"""Scores against the skills framework: per-skill and per-unit marks and the proposed status.

Pure functions: the attempt service feeds them the graded questions of an attempt.
"""

from collections.abc import Iterable
from dataclasses import dataclass

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
EVIDENCE_SUFFICIENT = "evidence_sufficient"
NOT_YET_SUFFICIENT = "not_yet_sufficient"
STATUSES = (NOT_STARTED, IN_PROGRESS, EVIDENCE_SUFFICIENT, NOT_YET_SUFFICIENT)


@dataclass(frozen=True)
class GradedQuestion:
    skills: tuple[str, ...]
    mark: float | None  # None while a trainer has not graded it
    max_mark: float


@dataclass(frozen=True)
class SkillMarks:
    skill: str
    earned: float
    maximum: float

    @property
    def fraction(self) -> float:
        return self.earned / self.maximum if self.maximum else 0.0


@dataclass(frozen=True)
class MasteryRule:
    overall: float  # fraction of all marks, 0 < overall <= 1
    per_skill: float  # minimum fraction on each skill, 0 <= per_skill <= 1


def skill_marks(questions: Iterable[GradedQuestion]) -> list[SkillMarks]:
    """A question's marks count in full for each skill it is tagged with.

    Ungraded questions are left out until graded, so a pending essay neither helps nor hurts.
    """
    earned: dict[str, float] = {}
    maximum: dict[str, float] = {}
    for question in questions:
        if question.mark is None:
            continue
        for skill in question.skills:
            earned[skill] = earned.get(skill, 0.0) + question.mark
            maximum[skill] = maximum.get(skill, 0.0) + question.max_mark
    return [
        SkillMarks(skill, round(earned[skill], 6), round(maximum[skill], 6))
        for skill in sorted(earned)
    ]


def proposed_status(
    questions: list[GradedQuestion], rule: MasteryRule, unit_skills: Iterable[str]
) -> str:
    """What the quiz says about the unit's competence; a trainer decides in the end."""
    if not questions:
        return NOT_STARTED
    if any(question.mark is None for question in questions):
        return IN_PROGRESS
    total = sum(question.max_mark for question in questions)
    overall = sum(question.mark for question in questions) / total if total else 0.0
    by_skill = {marks.skill: marks.fraction for marks in skill_marks(questions)}
    skills_ok = all(
        by_skill.get(skill, 0.0) >= rule.per_skill - 1e-9
        for skill in unit_skills
        if skill in by_skill
    )
    if overall >= rule.overall - 1e-9 and skills_ok:
        return EVIDENCE_SUFFICIENT
    return NOT_YET_SUFFICIENT


def grade_over_attempts(scores: list[float], method: str) -> float | None:
    """Moodle's grading methods over the graded attempts' scores, oldest first."""
    if not scores:
        return None
    if method == "highest":
        return max(scores)
    if method == "average":
        return sum(scores) / len(scores)
    if method == "first":
        return scores[0]
    if method == "last":
        return scores[-1]
    raise ValueError(f"unknown grading method {method!r}")

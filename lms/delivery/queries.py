"""What the coach's pages read: catalogue with progress, attempts (no writes)."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.catalog import queries as catalog
from lms.catalog.models import Competence, Module, Quiz, Skill, Unit
from lms.competence.assessment import PRACTICE
from lms.competence.models import VALIDATED, Decision
from lms.delivery.models import LessonProgress, ModuleVisit
from lms.quiz import mastery
from lms.quiz import queries as quiz_queries
from lms.quiz.models import GRADED, NEEDS_GRADING, Attempt, AttemptSlot

NOT_STARTED, IN_PROGRESS, SUBMITTED, PASSED, FAILED = (
    "not_started", "in_progress", "submitted", "passed", "failed",
)  # fmt: skip


@dataclass
class ModuleProgress:
    """Where a coach stands in one module, as the home page and the progress page show it."""

    module: Module
    lessons_total: int = 0
    lessons_done: int = 0
    quiz_status: str = NOT_STARTED
    quiz_score: float | None = None  # by the quiz's grading method, over graded attempts
    competence_status: str = mastery.NOT_STARTED
    continue_slug: str | None = None  # next lesson to read; None: go to the quiz
    visited: bool = False
    validated: bool = False  # a trainer's (or the quiz rule's) validation stands
    open_attempt: Attempt | None = None  # an attempt of the quiz not submitted yet
    start_here: bool = False  # the first module not validated: where the coach goes next

    @property
    def steps_done(self) -> int:
        quiz_done = self.quiz_status in (PASSED, FAILED, SUBMITTED)
        return self.lessons_done + (1 if quiz_done else 0)

    @property
    def steps_total(self) -> int:
        return self.lessons_total + 1

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0


@dataclass
class CompetenceGroup:
    competence: Competence
    modules: list[ModuleProgress] = field(default_factory=list)


def module_by_code(session: Session, code: str) -> Module | None:
    module = catalog.module_by_code(session, code)
    return module if module is not None and module.active else None


def lessons(session: Session, module_code: str) -> list[tuple]:
    """(lesson, current version) in reading order."""
    return catalog.lessons(session, module_code)


def done_slugs(session: Session, user_id: int, module_code: str) -> set[str]:
    query = select(LessonProgress.lesson_slug).where(
        LessonProgress.user_id == user_id, LessonProgress.module_code == module_code
    )
    return set(session.scalars(query))


def attempts_of(session: Session, user_id: int, quiz_id: int | None = None) -> list[Attempt]:
    """A coach's attempts, oldest first (of one quiz when ``quiz_id`` is given)."""
    query = (
        select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.started_at, Attempt.id)
    )
    if quiz_id is not None:
        query = query.where(Attempt.quiz_id == quiz_id)
    return list(session.scalars(query))


def attempt_with_slots(session: Session, attempt_id: int) -> Attempt | None:
    query = (
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(
            selectinload(Attempt.slots).selectinload(AttemptSlot.answers),
            selectinload(Attempt.slots).selectinload(AttemptSlot.grades),
            selectinload(Attempt.slots).selectinload(AttemptSlot.question_version),
        )
    )
    return session.scalar(query)


def slots_to_save(session: Session, attempt_id: int, positions: list[int]) -> list[AttemptSlot]:
    """The slots at ``positions`` with only what a save compares with (one query)."""
    return quiz_queries.slots_with_latest(session, attempt_id, positions)


def quiz_for_module(session: Session, module_code: str) -> Quiz | None:
    return catalog.quiz_for_module(session, module_code)


def skills_by_code(session: Session) -> dict[str, Skill]:
    return catalog.skills_by_code(session)


def _quiz_progress(progress: ModuleProgress, quiz: Quiz | None, attempts: list[Attempt]) -> None:
    # Practice (questions that do not cover the unit) neither passes the quiz nor proposes.
    attempts = [a for a in attempts if a.proposed_status != PRACTICE]
    if quiz is None or not attempts:
        return
    graded = [a for a in attempts if a.state == GRADED and a.score is not None]
    if any(a.state == NEEDS_GRADING for a in attempts) and not graded:
        progress.quiz_status = SUBMITTED
    elif graded:
        method = quiz.settings.get("grading_method", "highest")
        progress.quiz_score = mastery.grade_over_attempts([a.score for a in graded], method)
        pass_mark = float(quiz.settings.get("pass_mark", 0.7))
        progress.quiz_status = PASSED if progress.quiz_score >= pass_mark - 1e-9 else FAILED
    else:
        progress.quiz_status = IN_PROGRESS
    progress.open_attempt = next(
        (a for a in attempts if a.is_open and a.live_session_id is None), None
    )
    decided = [a for a in attempts if a.proposed_status and a.state != "open"]
    if decided:
        best = max(decided, key=lambda a: (a.score or 0.0, a.id))
        progress.competence_status = best.proposed_status
    else:
        progress.competence_status = mastery.IN_PROGRESS


def module_progress(session: Session, user: User, module: Module) -> ModuleProgress:
    return catalogue(session, user, only=module.code)[0].modules[0]


def catalogue(session: Session, user: User, only: str | None = None) -> list[CompetenceGroup]:
    """Active modules grouped by competence (framework order), with the coach's progress."""
    modules = [m for m in catalog.modules(session) if only is None or m.code == only]
    if not modules:
        return []
    units = {u.id: u for u in session.scalars(select(Unit).options(selectinload(Unit.competence)))}
    lesson_rows = {m.code: catalog.lessons(session, m.code) for m in modules}
    done = {}
    for row in session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id)):
        done.setdefault(row.module_code, set()).add(row.lesson_slug)
    visits = {
        v.module_code: v
        for v in session.scalars(select(ModuleVisit).where(ModuleVisit.user_id == user.id))
    }
    quizzes = {q.module_code: q for q in session.scalars(select(Quiz))}
    attempts: dict[str, list[Attempt]] = {}
    for attempt in attempts_of(session, user.id):
        attempts.setdefault(attempt.module_code, []).append(attempt)
    validated = set(
        session.scalars(
            select(Decision.unit_code).where(
                Decision.coach_id == user.id,
                Decision.decision == VALIDATED,
                Decision.revoked_at.is_(None),
            )
        )
    )

    groups: dict[int, CompetenceGroup] = {}
    for module in modules:
        competence = units[module.unit_id].competence
        group = groups.setdefault(competence.id, CompetenceGroup(competence))
        slugs = [lesson.slug for lesson, _ in lesson_rows[module.code]]
        read = done.get(module.code, set()) & set(slugs)
        visit = visits.get(module.code)
        progress = ModuleProgress(
            module=module,
            lessons_total=len(slugs),
            lessons_done=len(read),
            visited=bool(visit),
            validated=module.code in validated,
        )
        progress.continue_slug = _continue_slug(slugs, read, visit)
        _quiz_progress(progress, quizzes.get(module.code), attempts.get(module.code, []))
        group.modules.append(progress)
    ordered = sorted(groups.values(), key=lambda g: g.competence.position)
    following = (m for group in ordered for m in group.modules if not m.validated)
    first = next(following, None)
    if first is not None and only is None:
        first.start_here = True
    return ordered


def _continue_slug(slugs: list[str], read: set[str], visit: ModuleVisit | None) -> str | None:
    """The lesson last opened if it is not done yet, else the first lesson not done."""
    if visit and visit.last_lesson_slug in slugs and visit.last_lesson_slug not in read:
        return visit.last_lesson_slug
    return next((slug for slug in slugs if slug not in read), None)


# --- skill results: the result page and the progress page say the same -----------------------


@dataclass(frozen=True)
class SkillResult:
    """An attempt's marks on one skill: those graded so far, and how many of its questions
    still wait for a trainer (an essay): until then the skill is pending, not scored."""

    code: str
    skill: Skill | None
    earned: float = 0.0
    maximum: float = 0.0
    pending: int = 0

    @property
    def fraction(self) -> float | None:
        return self.earned / self.maximum if self.maximum else None


def skill_results(attempt: Attempt, skills: dict[str, Skill]) -> list[SkillResult]:
    """Per skill the attempt assesses, in code order."""
    scores = {score.skill_id: score for score in attempt.skill_scores}
    pending: dict[str, int] = {}
    if attempt.state == NEEDS_GRADING:
        for slot in attempt.slots:
            if slot.grade is None or slot.grade.fraction is None:
                for code in slot.question_version.definition.get("skills", []):
                    pending[code] = pending.get(code, 0) + 1
    return [
        SkillResult(
            code,
            skills.get(code),
            scores[code].earned if code in scores else 0.0,
            scores[code].maximum if code in scores else 0.0,
            pending.get(code, 0),
        )
        for code in sorted(set(scores) | set(pending))
    ]


@dataclass(frozen=True)
class Revisit:
    result: SkillResult
    objectives: list  # the module's objectives that build the skill (language maps)


def to_revisit(results: list[SkillResult], module: Module) -> list[Revisit]:
    """The graded skills under the module's bar (its minimum per skill, or else its overall
    mark), with the objectives of the module that build them: what to read again."""
    rule = module.mastery or {}
    bar = float(rule.get("per_skill") or rule.get("overall") or 0.0)
    return [
        Revisit(
            result,
            [o["text"] for o in module.objectives or [] if result.code in o.get("skills", [])],
        )
        for result in results
        if not result.pending and result.fraction is not None and result.fraction < bar - 1e-9
    ]


# --- progress page -----------------------------------------------------------------------------


@dataclass
class UnitProgress:
    unit: Unit
    module: ModuleProgress | None
    skills: list[SkillResult] = field(default_factory=list)
    revisit: list[Revisit] = field(default_factory=list)


@dataclass
class CompetenceProgress:
    competence: Competence
    units: list[UnitProgress] = field(default_factory=list)


def skill_progress(session: Session, user: User) -> list[CompetenceProgress]:
    """Per competence, unit and skill: the skill results of the coach's latest submitted attempt
    of each module (graded, or waiting for a trainer), practice left out: the most recent
    evidence counts, as a trainer reads it, and as the attempt's result page shows it."""
    latest: dict[str, Attempt] = {}
    for attempt in attempts_of(session, user.id):
        if attempt.state in (GRADED, NEEDS_GRADING) and attempt.proposed_status != PRACTICE:
            latest[attempt.module_code] = attempt
    by_module = {g.module.code: g for group in catalogue(session, user) for g in group.modules}
    skills = skills_by_code(session)
    result = []
    for competence in catalog.competences(session):
        entry = CompetenceProgress(competence)
        for unit in competence.units:
            if not unit.active:
                continue
            attempt = latest.get(unit.code)
            found = {r.code: r for r in skill_results(attempt, skills)} if attempt else {}
            unit_entry = UnitProgress(unit, by_module.get(unit.code))
            for skill in unit.skills:
                if skill.active:
                    unit_entry.skills.append(
                        found.get(skill.code) or SkillResult(skill.code, skill)
                    )
            if unit_entry.module is not None:
                unit_entry.revisit = to_revisit(unit_entry.skills, unit_entry.module.module)
            entry.units.append(unit_entry)
        result.append(entry)
    return result

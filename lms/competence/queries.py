"""Read-only competence queries: the cohort matrix, a coach's progress and history, the queues.

The matrix reads a whole cohort in a fixed number of statements (one per table, filtered by a
sub-select of the cohort's coaches), whatever the number of coaches: nothing is loaded per row.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Cohort, User, cohort_coaches
from lms.auth.policy import Role, visible_coaches
from lms.catalog.models import Competence, Unit
from lms.competence.assessment import PRACTICE
from lms.competence.models import NOT_VALIDATED, VALIDATED, Decision
from lms.quiz import mastery
from lms.quiz.mastery import SkillMarks
from lms.quiz.models import GRADED, NEEDS_GRADING, Attempt, AttemptSlot, Grade, Registration
from lms.timeutil import utcnow
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
EVIDENCE_SUFFICIENT = "evidence_sufficient"
# Cell statuses, from the least to the most advanced (a refusal sorts after evidence).
STATUSES = (NOT_STARTED, IN_PROGRESS, EVIDENCE_SUFFICIENT, NOT_VALIDATED, VALIDATED)
SORT_KEYS = ("name", "activity")


@dataclass(frozen=True)
class UnitColumn:
    code: str
    title: dict
    competence: str


@dataclass(frozen=True)
class CompetenceColumn:
    code: str
    title: dict
    units: tuple[str, ...]


@dataclass
class Cell:
    status: str = NOT_STARTED
    best_score: float | None = None
    attempts: int = 0
    passed: bool = False
    last_activity: datetime | None = None
    decided_at: datetime | None = None


@dataclass
class MatrixRow:
    coach_id: int
    name: str
    email: str
    cells: dict[str, Cell]
    competences: dict[str, str] = field(default_factory=dict)
    last_activity: datetime | None = None


@dataclass
class Matrix:
    units: list[UnitColumn]
    competences: list[CompetenceColumn]
    rows: list[MatrixRow]  # filtered and sorted
    cohort_rows: list[MatrixRow] = field(default_factory=list)  # every coach of the cohort

    def distribution(self) -> dict[str, dict[str, int]]:
        """Number of the cohort's coaches per status, for each competence (the chart's data)."""
        counts = {c.code: dict.fromkeys(STATUSES, 0) for c in self.competences}
        for row in self.cohort_rows:
            for code, status in row.competences.items():
                counts[code][status] += 1
        return counts


@dataclass(frozen=True)
class MatrixFilter:
    search: str = ""
    status: str = ""
    unit: str = ""
    inactive_days: int | None = None
    sort: str = "name"  # name | activity | <unit code>
    descending: bool = False


# -- cohorts -----------------------------------------------------------------------------------


def cohorts_of_coach(session: Session, coach_id: int) -> list[Cohort]:
    return list(
        session.scalars(
            select(Cohort)
            .join(cohort_coaches, cohort_coaches.c.cohort_id == Cohort.id)
            .where(cohort_coaches.c.user_id == coach_id)
            .order_by(Cohort.name)
        )
    )


# -- the framework -----------------------------------------------------------------------------


def framework_columns(session: Session) -> tuple[list[UnitColumn], list[CompetenceColumn]]:
    """The active units and competences in framework order, in one query."""
    rows = session.execute(
        select(Unit.code, Unit.title, Competence.code, Competence.title)
        .join(Competence, Unit.competence_id == Competence.id)
        .where(Unit.active, Competence.active)
        .order_by(Competence.position, Unit.position)
    ).all()
    units = [UnitColumn(code, title, competence) for code, title, competence, _ in rows]
    competences: dict[str, CompetenceColumn] = {}
    for unit_code, _, code, title in rows:
        known = competences.get(code)
        units_so_far = known.units if known else ()
        competences[code] = CompetenceColumn(code, title, (*units_so_far, unit_code))
    return units, list(competences.values())


# -- progress of many coaches at once -----------------------------------------------------------


def _latest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def competence_status(statuses: Iterable[str]) -> str:
    """A competence from its units: validated when all are, refused when one is, and so on."""
    statuses = list(statuses)
    if not statuses:
        return NOT_STARTED
    if all(status == VALIDATED for status in statuses):
        return VALIDATED
    if NOT_VALIDATED in statuses:
        return NOT_VALIDATED
    if all(status in (VALIDATED, EVIDENCE_SUFFICIENT) for status in statuses):
        return EVIDENCE_SUFFICIENT
    if any(status != NOT_STARTED for status in statuses):
        return IN_PROGRESS
    return NOT_STARTED


def progress(
    session: Session, coach_ids: Select, units: list[UnitColumn], *, cell_activity: bool = True
) -> dict[int, dict[str, Cell]]:
    """Cells per coach and unit for every coach of the ``coach_ids`` sub-select (4 queries).
    Without ``cell_activity`` a cell's last activity leaves out its statements (3 queries): a
    page that shows only each coach's latest activity takes those from one query per coach."""
    cells: dict[int, dict[str, Cell]] = {}

    def cell(coach_id: int, unit_code: str) -> Cell:
        own = cells.get(coach_id)
        if own is None:
            own = cells[coach_id] = {}
        found = own.get(unit_code)
        if found is None:
            found = own[unit_code] = Cell()
        return found

    # Practice (an attempt that does not cover its unit) counts as activity, not as a result.
    graded = and_(Attempt.state == GRADED, Attempt.proposed_status.is_distinct_from(PRACTICE))
    attempt_rows = session.execute(
        select(
            Attempt.user_id,
            Attempt.module_code,
            func.count(Attempt.id),
            func.max(case((graded, Attempt.score))),
            func.max(case((and_(graded, Attempt.passed.is_(True)), 1), else_=0)),
            func.max(
                case(
                    (
                        and_(graded, Attempt.proposed_status == mastery.EVIDENCE_SUFFICIENT),
                        1,
                    ),
                    else_=0,
                )
            ),
            # An attempt is submitted after it starts: its latest moment, one value per cell.
            func.max(func.coalesce(Attempt.submitted_at, Attempt.started_at)),
        )
        .where(Attempt.user_id.in_(coach_ids))
        .group_by(Attempt.user_id, Attempt.module_code)
    ).all()
    for coach_id, unit, count, best, passed, sufficient, moment in attempt_rows:
        target = cell(coach_id, unit)
        target.attempts, target.best_score, target.passed = count, best, bool(passed)
        target.status = EVIDENCE_SUFFICIENT if sufficient else IN_PROGRESS
        target.last_activity = _latest(target.last_activity, moment)

    registrations = session.execute(
        select(
            Registration.user_id, Registration.module_code, Registration.registration_uuid
        ).where(Registration.user_id.in_(coach_ids))
    ).all()
    by_registration: dict[str, tuple[int, str]] = {}
    for coach_id, unit, registration in registrations:
        target = cell(coach_id, unit)
        if target.status == NOT_STARTED:
            target.status = IN_PROGRESS
        by_registration[str(registration)] = (coach_id, unit)

    activity = (
        session.execute(
            select(Statement.registration, func.max(Statement.timestamp))
            .where(Statement.user_id.in_(coach_ids), Statement.registration.is_not(None))
            .group_by(Statement.registration)
        ).all()
        if cell_activity
        else []
    )
    for registration, moment in activity:
        # The outbox stores registrations in the canonical lower-case hyphenated form.
        owner = by_registration.get(registration)
        if owner is not None:
            target = cell(*owner)
            target.last_activity = _latest(target.last_activity, moment)

    decisions = session.execute(
        select(Decision.coach_id, Decision.unit_code, Decision.decision, Decision.decided_at)
        .where(Decision.coach_id.in_(coach_ids), Decision.revoked_at.is_(None))
        .order_by(Decision.decided_at, Decision.id)
    ).all()
    for coach_id, unit, decision, decided_at in decisions:  # the latest standing one wins
        target = cell(coach_id, unit)
        target.status, target.decided_at = decision, decided_at
        target.last_activity = _latest(target.last_activity, decided_at)
    return cells


def last_activity_by_coach(session: Session, coach_ids: Select) -> dict[int, datetime]:
    """The time of each coach's latest recorded learning event (one query)."""
    rows = session.execute(
        select(Statement.user_id, func.max(Statement.timestamp))
        .where(Statement.user_id.in_(coach_ids))
        .group_by(Statement.user_id)
    ).all()
    return dict(rows)


def cohort_coach_ids(cohort_id: int) -> Select:
    return select(cohort_coaches.c.user_id).where(cohort_coaches.c.cohort_id == cohort_id)


def cohort_matrix(
    session: Session,
    cohort_id: int,
    matrix_filter: MatrixFilter | None = None,
    *,
    now: datetime | None = None,
    cell_activity: bool = True,
) -> Matrix:
    """The cohort's coaches × units (and competences), filtered and sorted; 7 queries (6
    without each cell's last activity, which the page does not show: see :func:`progress`)."""
    matrix_filter = matrix_filter or MatrixFilter()
    units, competences = framework_columns(session)
    coach_ids = cohort_coach_ids(cohort_id)
    coaches = session.execute(
        select(User.id, User.display_name, User.email)
        .where(User.id.in_(coach_ids), User.role == Role.COACH)
        .order_by(User.display_name, User.id)
    ).all()
    cells = progress(session, coach_ids, units, cell_activity=cell_activity)
    activity = last_activity_by_coach(session, coach_ids)
    rows = []
    known: dict[tuple[str, ...], str] = {}  # few combinations of unit statuses recur
    for coach_id, name, email in coaches:
        own = cells.get(coach_id) or {}
        row_cells = {unit.code: own.get(unit.code) or Cell() for unit in units}
        by_competence = {}
        for competence in competences:
            statuses = tuple(row_cells[code].status for code in competence.units)
            status = known.get(statuses)
            if status is None:
                status = known[statuses] = competence_status(statuses)
            by_competence[competence.code] = status
        row = MatrixRow(
            coach_id=coach_id,
            name=name,
            email=email,
            cells=row_cells,
            competences=by_competence,
            last_activity=_latest(activity.get(coach_id), *(c.last_activity for c in own.values())),
        )
        rows.append(row)
    matrix = Matrix(units=units, competences=competences, rows=rows, cohort_rows=rows)
    matrix.rows = apply_filter(matrix, matrix_filter, now=now or utcnow())
    return matrix


def apply_filter(matrix: Matrix, how: MatrixFilter, *, now: datetime) -> list[MatrixRow]:
    rows = matrix.rows
    if how.search:
        needle = how.search.casefold()
        rows = [r for r in rows if needle in r.name.casefold() or needle in r.email.casefold()]
    unit_codes = {unit.code for unit in matrix.units}
    if how.status:
        if how.unit in unit_codes:
            rows = [r for r in rows if r.cells[how.unit].status == how.status]
        else:
            rows = [r for r in rows if any(c.status == how.status for c in r.cells.values())]
    if how.inactive_days is not None:
        limit = now - timedelta(days=how.inactive_days)
        rows = [r for r in rows if r.last_activity is None or r.last_activity < limit]
    return sort_rows(rows, how.sort, how.descending, unit_codes)


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sorts "Coach 2-2" before "Coach 2-10": runs of digits compare as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _DIGITS.split(text.casefold())
        if part
    )


def sort_rows(
    rows: list[MatrixRow], sort: str, descending: bool, unit_codes: set[str]
) -> list[MatrixRow]:
    by_name = sorted(rows, key=lambda r: (natural_key(r.name), r.coach_id))
    if sort == "activity":

        def moment(row: MatrixRow) -> float:
            return row.last_activity.timestamp() if row.last_activity else float("-inf")

        return sorted(by_name, key=moment, reverse=descending)
    if sort in unit_codes:
        rank = {status: position for position, status in enumerate(STATUSES)}

        def unit_key(row: MatrixRow) -> tuple[int, float]:
            target = row.cells[sort]
            return rank[target.status], target.best_score if target.best_score is not None else -1

        return sorted(by_name, key=unit_key, reverse=descending)
    return list(reversed(by_name)) if descending else by_name


# -- one coach ---------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    id: str
    verb: str
    object_id: str
    object_name: dict
    timestamp: datetime
    voided: bool
    success: bool | None
    scaled: float | None


def coach_cells(session: Session, coach_id: int, units: list[UnitColumn]) -> dict[str, Cell]:
    cells = progress(session, select(User.id).where(User.id == coach_id), units)
    own = cells.get(coach_id, {})
    return {unit.code: own.get(unit.code, Cell()) for unit in units}


def skill_results(session: Session, coach_id: int) -> dict[str, list[SkillMarks]]:
    """Per unit, the skills of the coach's latest graded attempt at that unit's quiz (practice
    left out)."""
    latest = (
        select(Attempt.module_code, func.max(Attempt.id).label("attempt_id"))
        .where(
            Attempt.user_id == coach_id,
            Attempt.state == GRADED,
            Attempt.proposed_status.is_distinct_from(PRACTICE),
        )
        .group_by(Attempt.module_code)
        .subquery()
    )
    attempts = session.scalars(
        select(Attempt)
        .join(latest, latest.c.attempt_id == Attempt.id)
        .options(selectinload(Attempt.skill_scores))
    ).all()
    results: dict[str, list[SkillMarks]] = {}
    for attempt in attempts:
        results[attempt.module_code] = [
            SkillMarks(score.skill_id, score.earned, score.maximum)
            for score in attempt.skill_scores
        ]
    return results


def coach_attempts(session: Session, coach_id: int) -> list[Attempt]:
    """Every attempt of the coach, newest first, with questions, answers and grades loaded."""
    return list(
        session.scalars(
            select(Attempt)
            .where(Attempt.user_id == coach_id)
            .order_by(Attempt.started_at.desc(), Attempt.id.desc())
            .options(
                selectinload(Attempt.slots).selectinload(AttemptSlot.answers),
                selectinload(Attempt.slots).selectinload(AttemptSlot.grades),
                selectinload(Attempt.slots).selectinload(AttemptSlot.question_version),
            )
        )
    )


def decision_history(
    session: Session, coach_id: int, unit_code: str | None = None
) -> list[Decision]:
    """Every decision on the coach's units, revoked ones included, newest first."""
    query = (
        select(Decision)
        .where(Decision.coach_id == coach_id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .options(selectinload(Decision.decided_by), selectinload(Decision.revoked_by))
    )
    if unit_code is not None:
        query = query.where(Decision.unit_code == unit_code)
    return list(session.scalars(query))


def _name_of(obj: dict) -> dict:
    definition = obj.get("definition") or {}
    return dict(definition.get("name") or {})


def timeline(session: Session, coach_id: int, limit: int = 200) -> list[TimelineEntry]:
    """The coach's xAPI statements, newest first."""
    rows = session.scalars(
        select(Statement)
        .where(Statement.user_id == coach_id)
        .order_by(Statement.timestamp.desc(), Statement.seq.desc())
        .limit(limit)
    ).all()
    entries = []
    for row in rows:
        statement = json.loads(row.text)
        result = statement.get("result") or {}
        entries.append(
            TimelineEntry(
                id=row.id,
                verb=row.verb.rsplit("/", 1)[-1],
                object_id=row.object_id,
                object_name=_name_of(statement.get("object") or {}),
                timestamp=row.timestamp,
                voided=row.voided,
                success=result.get("success"),
                scaled=(result.get("score") or {}).get("scaled"),
            )
        )
    return entries


def entries_with_verb(entries: list[TimelineEntry], verb_iri: str) -> list[TimelineEntry]:
    word = verb_iri.rsplit("/", 1)[-1]
    return [entry for entry in entries if entry.verb == word and not entry.voided]


def lessons_done(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return entries_with_verb(entries, v.VERB_EXPERIENCED)


def sessions_attended(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return entries_with_verb(entries, v.VERB_ATTENDED)


# -- grading -----------------------------------------------------------------------------------


@dataclass
class QueueItem:
    slot: AttemptSlot
    attempt: Attempt
    coach: User


def _waiting_for_grade(query: Select, reviewer: User) -> Select:
    """``query`` on the answers whose latest grade waits for a trainer, in the reviewer's
    cohorts."""
    latest = select(Grade.slot_id, func.max(Grade.id).label("grade_id")).group_by(Grade.slot_id)
    latest = latest.subquery()
    return (
        query.join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .join(latest, latest.c.slot_id == AttemptSlot.id)
        .join(Grade, Grade.id == latest.c.grade_id)
        .where(
            Grade.state == "needs_grading",
            Attempt.state.in_((NEEDS_GRADING, GRADED)),
            Attempt.user_id.in_(visible_coaches(reviewer)),
        )
    )


def grading_queue(session: Session, reviewer: User) -> list[QueueItem]:
    """Answers waiting for a trainer's grade in the reviewer's cohorts, oldest first."""
    query = _waiting_for_grade(select(AttemptSlot, Attempt, User), reviewer)
    rows = session.execute(
        query.join(User, User.id == Attempt.user_id)
        .order_by(Attempt.submitted_at, AttemptSlot.position)
        .options(selectinload(AttemptSlot.question_version))
    ).all()
    return [QueueItem(slot, attempt, coach) for slot, attempt, coach in rows]


def grading_count(session: Session, reviewer: User) -> int:
    query = _waiting_for_grade(
        select(func.count(AttemptSlot.id)).select_from(AttemptSlot), reviewer
    )
    return session.scalar(query) or 0


def next_to_grade(session: Session, reviewer: User, after_slot_id: int) -> int | None:
    """The slot the grading queue shows first, leaving out ``after_slot_id``."""
    query = _waiting_for_grade(select(AttemptSlot.id), reviewer)
    return session.scalar(
        query.where(AttemptSlot.id != after_slot_id)
        .order_by(Attempt.submitted_at, AttemptSlot.position)
        .limit(1)
    )


def slot_for_grading(session: Session, slot_id: int) -> AttemptSlot | None:
    return session.scalar(
        select(AttemptSlot)
        .where(AttemptSlot.id == slot_id)
        .options(
            selectinload(AttemptSlot.answers),
            selectinload(AttemptSlot.grades),
            selectinload(AttemptSlot.attempt),
        )
    )


def graders_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))}


def latest_submitted_attempt(session: Session, coach_id: int, unit_code: str) -> Attempt | None:
    """The coach's most recent submitted attempt at the unit's quiz, practice left out: what
    the quiz proposes."""
    return session.scalar(
        select(Attempt)
        .where(
            Attempt.user_id == coach_id,
            Attempt.module_code == unit_code,
            Attempt.state.in_((NEEDS_GRADING, GRADED)),
            Attempt.proposed_status.is_distinct_from(PRACTICE),
        )
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(1)
    )


def search_coaches(session: Session, reviewer: User, text: str) -> list[User]:
    pattern = f"%{text.lower()}%"
    return list(
        session.scalars(
            select(User)
            .where(
                User.id.in_(visible_coaches(reviewer)),
                or_(
                    func.lower(User.display_name).like(pattern),
                    func.lower(User.email).like(pattern),
                ),
            )
            .order_by(User.display_name)
            .limit(50)
        )
    )


# -- item analysis -----------------------------------------------------------------------------


def graded_attempt_counts(session: Session, coach_ids: Select) -> dict[int, int]:
    rows = session.execute(
        select(Attempt.quiz_id, func.count(Attempt.id))
        .where(Attempt.state == GRADED, Attempt.user_id.in_(coach_ids))
        .group_by(Attempt.quiz_id)
    ).all()
    return dict(rows)


# -- completion records ------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionLine:
    """One decision on a unit, as the completion-records export lists it."""

    coach: str
    email: str
    competence: str
    unit: str
    status: str  # validated | not_validated | revoked
    decided_at: datetime
    modality: str
    validator: str  # a trainer's name, or empty for a rule-based (automatic) decision
    score: float | None  # the attempt's score, else the grid's points, as a fraction


def completion_lines(
    session: Session, coach_ids: Select, since: datetime | None, until: datetime | None
) -> list[CompletionLine]:
    """Every decision on the coaches' units in the period, revoked ones included."""
    query = (
        select(Decision, Unit.code, Competence.code, Attempt.score)
        .join(Unit, Unit.code == Decision.unit_code)
        .join(Competence, Competence.id == Unit.competence_id)
        .outerjoin(Attempt, Attempt.id == Decision.attempt_id)
        .where(Decision.coach_id.in_(coach_ids))
        .options(selectinload(Decision.coach), selectinload(Decision.decided_by))
        .order_by(Decision.decided_at, Decision.id)
    )
    if since is not None:
        query = query.where(Decision.decided_at >= since)
    if until is not None:
        query = query.where(Decision.decided_at < until)
    lines = []
    for decision, unit, competence, attempt_score in session.execute(query):
        grid_score = decision.rubric_points / decision.rubric_max if decision.rubric_max else None
        lines.append(
            CompletionLine(
                coach=decision.coach.display_name,
                email=decision.coach.email,
                competence=competence,
                unit=unit,
                status="revoked" if decision.is_revoked else decision.decision,
                decided_at=decision.decided_at,
                modality=decision.modality,
                validator=decision.decided_by.display_name if decision.decided_by else "",
                score=attempt_score if attempt_score is not None else grid_score,
            )
        )
    return lines

"""Read-only competence queries: the cohort matrix, a coach's progress and history, the queues.

The matrix reads a cohort in a fixed number of statements, whatever the number of coaches: the
database computes each cell's status (:func:`_cells`) and counts the chart; the page filters and
orders the coaches on those statuses and builds the rows of the page shown only.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Cohort, User, cohort_coaches
from lms.auth.policy import Role, visible_coaches
from lms.catalog.models import Competence, Unit
from lms.competence.assessment import PRACTICE
from lms.competence.models import NOT_VALIDATED, VALIDATED, Decision
from lms.competence.service import decision_score
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


@dataclass
class MatrixPage:
    units: list[UnitColumn]
    competences: list[CompetenceColumn]
    rows: list[MatrixRow]  # the page shown, filtered and sorted
    shown: int  # coaches the filter keeps
    total: int  # coaches of the cohort
    distribution: dict[str, dict[str, int]]  # coaches per status, for each competence
    page: int
    pages: int


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


def _cells(coach_ids: Select | list[int], unit_codes: Select | list[str]) -> Subquery:
    """Every (coach, unit) of the coaches of ``coach_ids`` × ``unit_codes``, with its status,
    best score, attempt count, latest attempt moment and standing decision, computed by the
    database in one statement: the one definition of a cell's status."""
    # Practice (an attempt that does not cover its unit) counts as activity, not as a result.
    graded = and_(Attempt.state == GRADED, Attempt.proposed_status.is_distinct_from(PRACTICE))
    attempted = (
        select(
            Attempt.user_id.label("coach_id"),
            Attempt.module_code.label("unit_code"),
            func.count(Attempt.id).label("attempts"),
            func.max(case((graded, Attempt.score))).label("best_score"),
            func.max(case((and_(graded, Attempt.passed.is_(True)), 1), else_=0)).label("passed"),
            func.max(
                case(
                    (and_(graded, Attempt.proposed_status == mastery.EVIDENCE_SUFFICIENT), 1),
                    else_=0,
                )
            ).label("sufficient"),
            # An attempt is submitted after it starts: its latest moment, one value per cell.
            func.max(func.coalesce(Attempt.submitted_at, Attempt.started_at)).label("moment"),
        )
        .where(Attempt.user_id.in_(coach_ids))
        .group_by(Attempt.user_id, Attempt.module_code)
        .subquery("attempted")
    )
    registered = (
        select(Registration.user_id.label("coach_id"), Registration.module_code.label("unit_code"))
        .where(Registration.user_id.in_(coach_ids))
        .subquery("registered")
    )
    ranked = (
        select(
            Decision.coach_id,
            Decision.unit_code,
            Decision.decision,
            Decision.decided_at,
            func.row_number()
            .over(
                partition_by=(Decision.coach_id, Decision.unit_code),
                order_by=(Decision.decided_at.desc(), Decision.id.desc()),
            )
            .label("rank"),
        )
        .where(Decision.coach_id.in_(coach_ids), Decision.revoked_at.is_(None))
        .subquery("ranked")
    )
    grid = (
        select(User.id.label("coach_id"), Unit.code.label("unit_code"))
        .join(Unit, true())
        .where(User.id.in_(coach_ids), User.role == Role.COACH, Unit.code.in_(unit_codes))
        .subquery("grid")
    )

    def same_cell(other) -> ColumnElement[bool]:
        return and_(other.c.coach_id == grid.c.coach_id, other.c.unit_code == grid.c.unit_code)

    status = case(  # the latest standing decision wins
        (ranked.c.decision.is_not(None), ranked.c.decision),
        (attempted.c.sufficient == 1, EVIDENCE_SUFFICIENT),
        (
            or_(attempted.c.coach_id.is_not(None), registered.c.coach_id.is_not(None)),
            IN_PROGRESS,
        ),
        else_=NOT_STARTED,
    )
    return (
        select(
            grid.c.coach_id,
            grid.c.unit_code,
            status.label("status"),
            attempted.c.best_score,
            func.coalesce(attempted.c.attempts, 0).label("attempts"),
            func.coalesce(attempted.c.passed, 0).label("passed"),
            attempted.c.moment,
            ranked.c.decided_at,
        )
        .select_from(grid)
        .outerjoin(attempted, same_cell(attempted))
        .outerjoin(registered, same_cell(registered))
        .outerjoin(ranked, and_(same_cell(ranked), ranked.c.rank == 1))
        .subquery("cells")
    )


def progress(
    session: Session, coach_ids: Select | list[int], units: list[UnitColumn], *,
    cell_activity: bool = True,
) -> dict[int, dict[str, Cell]]:  # fmt: skip
    """Cells per coach and unit for every coach of ``coach_ids`` (1 query). With
    ``cell_activity`` a cell's last activity includes its statements (2 more queries); a page
    that shows only each coach's latest activity leaves them out."""
    cells: dict[int, dict[str, Cell]] = {}
    grid = _cells(coach_ids, [unit.code for unit in units])
    for coach_id, unit, status, best, attempts, passed, moment, decided_at in session.execute(
        select(grid)
    ):
        cells.setdefault(coach_id, {})[unit] = Cell(
            status=status,
            best_score=best,
            attempts=attempts,
            passed=bool(passed),
            last_activity=_latest(moment, decided_at),
            decided_at=decided_at,
        )
    if not cell_activity:
        return cells
    by_registration = {
        str(registration): (coach_id, unit)
        for coach_id, unit, registration in session.execute(
            select(
                Registration.user_id, Registration.module_code, Registration.registration_uuid
            ).where(Registration.user_id.in_(coach_ids))
        )
    }
    activity = session.execute(
        select(Statement.registration, func.max(Statement.timestamp))
        .where(Statement.user_id.in_(coach_ids), Statement.registration.is_not(None))
        .group_by(Statement.registration)
    ).all()
    for registration, moment in activity:
        # The outbox stores registrations in the canonical lower-case hyphenated form.
        coach_id, unit = by_registration.get(registration, (None, None))
        target = cells.get(coach_id, {}).get(unit)
        if target is not None:
            target.last_activity = _latest(target.last_activity, moment)
    return cells


def _moments(coach_ids: Select | list[int]) -> Subquery:
    """(coach_id, moment) of every activity of the coaches: recorded learning events,
    attempts (their latest moment) and standing decisions."""
    return union_all(
        select(Statement.user_id.label("coach_id"), Statement.timestamp.label("moment")).where(
            Statement.user_id.in_(coach_ids)
        ),
        select(Attempt.user_id, func.coalesce(Attempt.submitted_at, Attempt.started_at)).where(
            Attempt.user_id.in_(coach_ids)
        ),
        select(Decision.coach_id, Decision.decided_at).where(
            Decision.coach_id.in_(coach_ids), Decision.revoked_at.is_(None)
        ),
    ).subquery("moments")


def last_activity_by_coach(session: Session, coach_ids: Select | list[int]) -> dict[int, datetime]:
    """The time of each coach's latest activity (one query; coaches without any left out)."""
    moments = _moments(coach_ids)
    rows = session.execute(
        select(moments.c.coach_id, func.max(moments.c.moment)).group_by(moments.c.coach_id)
    ).all()
    return dict(rows)


def cohort_coach_ids(cohort_id: int) -> Select:
    return select(cohort_coaches.c.user_id).where(cohort_coaches.c.cohort_id == cohort_id)


@dataclass(frozen=True)
class _Coach:
    id: int
    name: str
    email: str


def _matching(
    session: Session, coach_ids: Select, how: MatrixFilter, units: list[UnitColumn], now: datetime
) -> tuple[list[_Coach], int, dict[int, datetime] | None]:
    """The coaches of ``coach_ids`` that ``how`` keeps, in its order; the number of coaches of
    ``coach_ids``; each coach's last activity when the filter or the order needed it. The
    statuses are the database's (see :func:`_cells`): no cell is built here."""
    coaches = [
        _Coach(*row)
        for row in session.execute(
            select(User.id, User.display_name, User.email).where(
                User.id.in_(coach_ids), User.role == Role.COACH
            )
        )
    ]
    chosen = coaches
    if how.search:
        needle = how.search.casefold()
        chosen = [c for c in chosen if needle in c.name.casefold() or needle in c.email.casefold()]
    codes = [unit.code for unit in units]
    if how.status:
        cells = _cells(coach_ids, [how.unit] if how.unit in codes else codes)
        matching = set(
            session.scalars(select(cells.c.coach_id).where(cells.c.status == how.status).distinct())
        )
        chosen = [c for c in chosen if c.id in matching]
    activity = None
    if how.inactive_days is not None or how.sort == "activity":
        activity = last_activity_by_coach(session, coach_ids)
    if how.inactive_days is not None:
        limit = now - timedelta(days=how.inactive_days)
        chosen = [c for c in chosen if c.id not in activity or activity[c.id] < limit]
    ordered = sorted(chosen, key=lambda c: (natural_key(c.name), c.id))
    if how.sort == "activity":

        def moment(coach: _Coach) -> float:
            return activity[coach.id].timestamp() if coach.id in activity else float("-inf")

        ordered.sort(key=moment, reverse=how.descending)
    elif how.sort in codes:
        rank = {status: position for position, status in enumerate(STATUSES)}
        cells = _cells(coach_ids, [how.sort])
        progress_in_unit = {
            coach_id: (rank[status], best if best is not None else -1)
            for coach_id, status, best in session.execute(
                select(cells.c.coach_id, cells.c.status, cells.c.best_score)
            )
        }
        ordered.sort(key=lambda c: progress_in_unit[c.id], reverse=how.descending)
    elif how.descending:
        ordered.reverse()
    return ordered, len(coaches), activity


def _rows(
    session: Session,
    coaches: list[_Coach],
    coach_ids: Select | list[int],
    units: list[UnitColumn],
    competences: list[CompetenceColumn],
    *,
    activity: dict[int, datetime] | None,
    cell_activity: bool,
) -> list[MatrixRow]:
    """The matrix rows of ``coaches`` (all of ``coach_ids`` or some of them)."""
    cells = progress(session, coach_ids, units, cell_activity=cell_activity)
    if activity is None:
        activity = last_activity_by_coach(session, coach_ids)
    rows = []
    known: dict[tuple[str, ...], str] = {}  # few combinations of unit statuses recur
    for coach in coaches:
        own = cells.get(coach.id) or {}
        row_cells = {unit.code: own.get(unit.code) or Cell() for unit in units}
        by_competence = {}
        for competence in competences:
            statuses = tuple(row_cells[code].status for code in competence.units)
            status = known.get(statuses)
            if status is None:
                status = known[statuses] = competence_status(statuses)
            by_competence[competence.code] = status
        rows.append(
            MatrixRow(
                coach_id=coach.id,
                name=coach.name,
                email=coach.email,
                cells=row_cells,
                competences=by_competence,
                last_activity=activity.get(coach.id),
            )
        )
    return rows


def cohort_matrix(
    session: Session,
    cohort_id: int,
    matrix_filter: MatrixFilter | None = None,
    *,
    now: datetime | None = None,
) -> Matrix:
    """Every coach of the cohort that the filter keeps × units (and competences), sorted, each
    cell with its last activity (the CSV export); a fixed number of queries."""
    how = matrix_filter or MatrixFilter()
    units, competences = framework_columns(session)
    coach_ids = cohort_coach_ids(cohort_id)
    ordered, _, activity = _matching(session, coach_ids, how, units, now or utcnow())
    rows = _rows(
        session, ordered, coach_ids, units, competences, activity=activity, cell_activity=True
    )
    return Matrix(units=units, competences=competences, rows=rows)


def cohort_page(
    session: Session,
    cohort_id: int,
    how: MatrixFilter,
    *,
    page: int,
    page_size: int,
    now: datetime | None = None,
) -> MatrixPage:
    """The page shown of the cohort's matrix: the coaches are filtered and ordered on the
    database's statuses, and only the page's rows are built; the distribution is counted by
    the database. A fixed number of queries (5 to 7, by the filter), whatever the cohort."""
    units, competences = framework_columns(session)
    coach_ids = cohort_coach_ids(cohort_id)
    ordered, total, activity = _matching(session, coach_ids, how, units, now or utcnow())
    pages = max((len(ordered) + page_size - 1) // page_size, 1)
    shown = ordered[(page - 1) * page_size : page * page_size]
    ids = [coach.id for coach in shown]
    rows = _rows(
        session, shown, ids, units, competences, activity=activity, cell_activity=False
    )  # fmt: skip
    return MatrixPage(
        units=units,
        competences=competences,
        rows=rows,
        shown=len(ordered),
        total=total,
        distribution=distribution(session, coach_ids, units, competences),
        page=page,
        pages=pages,
    )


def distribution(
    session: Session,
    coach_ids: Select,
    units: list[UnitColumn],
    competences: list[CompetenceColumn],
) -> dict[str, dict[str, int]]:
    """Number of coaches per status, for each competence (the chart's data), counted by the
    database in one query: a competence's status from its units' as :func:`competence_status`."""
    cells = _cells(coach_ids, [unit.code for unit in units])
    competence_of = case(
        {unit.code: unit.competence for unit in units}, value=cells.c.unit_code
    ).label("competence")

    def units_where(condition) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    everyone = func.count()
    status = case(
        (units_where(cells.c.status == VALIDATED) == everyone, VALIDATED),
        (units_where(cells.c.status == NOT_VALIDATED) > 0, NOT_VALIDATED),
        (
            units_where(cells.c.status.in_((VALIDATED, EVIDENCE_SUFFICIENT))) == everyone,
            EVIDENCE_SUFFICIENT,
        ),
        (units_where(cells.c.status != NOT_STARTED) > 0, IN_PROGRESS),
        else_=NOT_STARTED,
    ).label("status")
    per_coach = (
        select(cells.c.coach_id, competence_of, status)
        .group_by(cells.c.coach_id, competence_of)
        .subquery("per_coach")
    )
    counts = {c.code: dict.fromkeys(STATUSES, 0) for c in competences}
    for competence, status_, count in session.execute(
        select(per_coach.c.competence, per_coach.c.status, func.count()).group_by(
            per_coach.c.competence, per_coach.c.status
        )
    ):
        counts[competence][status_] = count
    return counts


@dataclass(frozen=True)
class CohortSummary:
    decisions: int  # units whose evidence suffices and that wait for a trainer's decision
    inactive: int  # coaches without any activity since the limit


def cohort_summary(session: Session, cohort_id: int, inactive_since: datetime) -> CohortSummary:
    """What needs action in a cohort, counted by the database (2 queries)."""
    coach_ids = cohort_coach_ids(cohort_id)
    active_units = (
        select(Unit.code)
        .join(Competence, Unit.competence_id == Competence.id)
        .where(Unit.active, Competence.active)
    )
    cells = _cells(coach_ids, active_units)
    decisions = session.scalar(
        select(func.count()).select_from(cells).where(cells.c.status == EVIDENCE_SUFFICIENT)
    )
    inactive = session.scalar(
        select(func.count()).where(_inactive_coaches(coach_ids, inactive_since))
    )
    return CohortSummary(decisions=decisions or 0, inactive=inactive or 0)


def _inactive_coaches(coach_ids: Select, inactive_since: datetime):
    """The condition on ``User``: one of ``coach_ids`` without any activity since the limit."""
    moments = _moments(coach_ids)
    recent = (
        select(moments.c.coach_id)
        .group_by(moments.c.coach_id)
        .having(func.max(moments.c.moment) >= inactive_since)
    )
    return and_(User.id.in_(coach_ids), User.role == Role.COACH, User.id.not_in(recent))


def inactive_coaches(session: Session, inactive_since: datetime) -> list[User]:
    """The coaches of every cohort without any activity since the limit (one query)."""
    coach_ids = select(cohort_coaches.c.user_id)
    return list(
        session.scalars(
            select(User).where(_inactive_coaches(coach_ids, inactive_since)).order_by(User.id)
        )
    )


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sorts "Coach 2-2" before "Coach 2-10": runs of digits compare as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _DIGITS.split(text.casefold())
        if part
    )


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
    score: float | None  # the decision's own score, as a fraction (service.decision_score)


def completion_lines(
    session: Session, coach_ids: Select, since: datetime | None, until: datetime | None
) -> list[CompletionLine]:
    """Every decision on the coaches' units in the period, revoked ones included."""
    query = (
        select(Decision, Unit.code, Competence.code, Attempt)
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
    for decision, unit, competence, attempt in session.execute(query):
        # What the decision's statement says: its rubric, the quiz's only for a decision by quiz.
        score = decision_score(decision, attempt)
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
                score=score.scaled if score is not None else None,
            )
        )
    return lines

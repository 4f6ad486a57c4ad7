"""Decisions on units: decide, revoke_decision, decide_on_pass (a passed quiz), decide_for_many.

Services flush and never commit; the caller commits. Each decision records its xAPI statement
(``mastered`` when validated, ``failed`` when refused) in the same transaction, and
``satisfied`` on the competence when its last unit is validated; a revocation records
``voided`` with its reason (docs/xapi.md).
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.actors import actor_of
from lms.auth.models import User
from lms.auth.policy import REVIEWERS, Role
from lms.catalog import queries as catalog
from lms.catalog.models import Module
from lms.competence import credentials, evidence
from lms.competence.assessment import apply_coverage_rule
from lms.competence.evidence import StoredFile
from lms.competence.models import NOT_VALIDATED, VALIDATED, Decision
from lms.errors import UserError
from lms.i18n import N_
from lms.quiz import mastery
from lms.quiz import service as quiz_service
from lms.quiz.models import GRADED, Attempt, AttemptSlot, Grade
from lms.timeutil import utcnow
from lms.vocabulary import MODALITIES, modality_label
from lms.xapi import outbox
from lms.xapi import statements as xs
from lms.xapi import vocabulary as v

NOTE_MAX_LENGTH = 4000


class DecisionError(UserError):
    """A decision the rules do not allow."""


@dataclass(frozen=True)
class RubricScore:
    levels: dict[str, str]
    points: float
    maximum: float

    @property
    def fraction(self) -> float:
        return self.points / self.maximum if self.maximum else 0.0


@dataclass
class BulkResult:
    decided: list[Decision] = field(default_factory=list)
    skipped: list[tuple[User, str]] = field(default_factory=list)  # (coach, msgid)


def module_for_unit(session: Session, unit_code: str) -> Module:
    module = catalog.module_by_code(session, unit_code)
    if module is None:
        raise DecisionError(N_("Unknown unit %(unit)s."), unit=unit_code)
    return module


def allowed_modalities(module: Module) -> list[str]:
    """The modalities the module allows, in the framework's order."""
    allowed = set((module.validation or {}).get("modalities", []))
    return [modality for modality in MODALITIES if modality in allowed]


def _check_modality(module: Module, modality: str) -> None:
    if modality not in allowed_modalities(module):
        raise DecisionError(
            N_("Unit %(unit)s cannot be validated by: %(modality)s."),
            unit=module.code,
            modality=modality_label(modality),
        )


def evaluation_grid(module: Module) -> dict:
    return (module.validation or {}).get("evaluation_grid") or {}


def score_rubric(grid: dict, levels: dict[str, str]) -> RubricScore:
    """Points of the chosen level per criterion; every criterion of the grid must be scored."""
    criteria = grid.get("criteria") or []
    scale = {level["id"]: float(level["points"]) for level in grid.get("levels") or []}
    if not criteria or not scale:
        raise DecisionError(N_("This module has no evaluation grid."))
    top = max(scale.values())
    points, chosen = 0.0, {}
    for criterion in criteria:
        level = levels.get(criterion["id"])
        if not level:
            raise DecisionError(N_("Choose a level for every criterion of the grid."))
        if level not in scale:
            raise DecisionError(N_("Unknown level %(level)s."), level=level)
        chosen[criterion["id"]] = level
        points += scale[level]
    unknown = set(levels) - set(chosen)
    if unknown:
        raise DecisionError(N_("Unknown criterion %(criterion)s."), criterion=sorted(unknown)[0])
    return RubricScore(levels=chosen, points=points, maximum=top * len(criteria))


def standing_decision(session: Session, coach_id: int, unit_code: str) -> Decision | None:
    return session.scalar(
        select(Decision).where(
            Decision.coach_id == coach_id,
            Decision.unit_code == unit_code,
            Decision.decision == VALIDATED,
            Decision.revoked_at.is_(None),
        )
    )


def standing_decisions(session: Session, coach_id: int) -> list[Decision]:
    """The coach's validations that stand (not revoked), oldest first."""
    return list(
        session.scalars(
            select(Decision)
            .where(
                Decision.coach_id == coach_id,
                Decision.decision == VALIDATED,
                Decision.revoked_at.is_(None),
            )
            .order_by(Decision.decided_at, Decision.id)
        )
    )


def _evidence_summary(decision: Decision) -> dict:
    """What the decision says of itself; what it rests on is referenced, not copied: the
    attempt's result statement (context.statement) and the evidence file (attachments)."""
    summary: dict = {"decision": decision.decision, "automatic": decision.automatic}
    if decision.rubric:
        summary["rubric"] = dict(decision.rubric)
    if decision.note:
        summary["note"] = decision.note
    return summary


def public_base(xapi: xs.XapiConfig) -> str:
    """The address users type (LMS_BASE_URL), for the links we give out."""
    return xapi.base_url or xapi.base_iri.rsplit("/", 1)[0]


def evidence_url(xapi: xs.XapiConfig, decision: Decision) -> str:
    """The authenticated download of a decision's evidence file (trainer.attachment)."""
    return f"{public_base(xapi)}/trainer/decisions/{decision.id}/attachment"


def _attachments(xapi: xs.XapiConfig, decision: Decision) -> list[xs.Attachment]:
    if not decision.attachment_path or not decision.attachment_sha256:
        return []
    return [
        xs.Attachment(
            display=decision.attachment_name or "evidence",
            content_type=evidence.MIMETYPES[decision.attachment_type],
            length=decision.attachment_size or 0,
            sha2=decision.attachment_sha256,
            file_url=evidence_url(xapi, decision),
        )
    ]


def _rests_on(session: Session, xapi: xs.XapiConfig, attempt: Attempt | None) -> uuid.UUID | None:
    """The attempt's latest result: its last ``scored`` statement (a trainer's later grade or
    regrade) if any, else its ``passed``/``failed`` statement once recorded."""
    if attempt is None:
        return None
    regraded = outbox.latest_of_attempt(
        session,
        xapi,
        registration=attempt.registration,
        attempt=attempt.statement_id,
        verb=v.VERB_SCORED,
    )
    if regraded is not None:
        return regraded
    result_id = quiz_service.result_statement_id(attempt)
    return result_id if outbox.is_recorded(session, result_id) else None


def _emit_decision(
    session: Session,
    decision: Decision,
    *,
    coach: User,
    module: Module,
    trainer: xs.Actor | None,
    xapi: xs.XapiConfig,
) -> None:
    unit = module.unit
    attempt = session.get(Attempt, decision.attempt_id) if decision.attempt_id else None
    xapi = quiz_service.coach_config(xapi, coach)
    statement = xs.competence_decided(
        xapi,
        statement_id=decision.statement_id,
        timestamp=decision.decided_at,
        actor=actor_of(coach),
        trainer=trainer,
        unit_id=unit.code,
        unit_title=unit.title,
        validated=decision.decision == VALIDATED,
        modality=decision.modality,
        evidence=_evidence_summary(decision),
        competence_id=unit.competence.code,
        module=quiz_service.module_ref(module),
        score=decision_score(decision, attempt),
        attempt=quiz_service.attempt_ref(attempt) if attempt is not None else None,
        rests_on=_rests_on(session, xapi, attempt),
        attachments=_attachments(xapi, decision),
        registration=quiz_service.registration_for(session, coach, module.code),
    )
    outbox.record(session, statement, user_id=coach.id)
    if decision.decision == VALIDATED:
        credentials.record_for_unit(session, decision, title=unit.title, base_url=public_base(xapi))
        _emit_competence_if_complete(session, decision, coach=coach, unit=unit, xapi=xapi)


def _emit_competence_if_complete(
    session: Session, decision: Decision, *, coach: User, unit, xapi: xs.XapiConfig
) -> None:
    """``satisfied`` on the competence when this decision validates its last unit."""
    competence = unit.competence
    codes = [member.code for member in competence.units if member.active]
    standing = {code: standing_decision(session, coach.id, code) for code in codes}
    if any(found is None for found in standing.values()):
        return
    credentials.record_for_competence(
        session, competence, decision, list(standing.values()), base_url=public_base(xapi)
    )
    outbox.record(
        session,
        xs.competence_satisfied(
            xapi,
            statement_id=uuid.uuid4(),
            timestamp=decision.decided_at,
            actor=actor_of(coach),
            competence_id=competence.code,
            competence_title=competence.title,
            units={code: found.statement_id for code, found in standing.items()},
            rests_on=decision.statement_id,
        ),
        user_id=coach.id,
    )


def decide(
    session: Session,
    *,
    coach: User,
    unit_code: str,
    modality: str,
    validated: bool,
    decided_by: User,
    xapi: xs.XapiConfig,
    rubric: dict[str, str] | None = None,
    note: str = "",
    attachment: StoredFile | None = None,
    attempt: Attempt | None = None,
    live_session_id: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record a trainer's decision on a coach's unit with its evidence, and emit ``mastered``.

    The quiz result is only proposed: the trainer may decide either way. A unit already
    validated must be revoked before a new decision is recorded for it.
    """
    _check_people(coach, decided_by)
    module = module_for_unit(session, unit_code)
    _check_modality(module, modality)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DecisionError(N_("The note is too long (4,000 characters at most)."))
    scored = score_rubric(evaluation_grid(module), rubric) if rubric else None
    if attempt is not None and (attempt.user_id != coach.id or attempt.module_code != unit_code):
        raise DecisionError(N_("This attempt is not this coach's attempt at this unit."))
    if standing_decision(session, coach.id, unit_code) is not None:
        raise DecisionError(
            N_("%(unit)s is already validated for this coach; revoke it first."), unit=unit_code
        )
    decision = Decision(
        coach_id=coach.id,
        unit_code=unit_code,
        modality=modality,
        decision=VALIDATED if validated else NOT_VALIDATED,
        automatic=False,
        attempt_id=attempt.id if attempt is not None else None,
        live_session_id=live_session_id,
        note=note,
        **_rubric_columns(scored),
        **_attachment_columns(attachment),
        decided_by_id=decided_by.id,
        decided_at=now or utcnow(),
        statement_id=uuid.uuid4(),
    )
    session.add(decision)
    session.flush()
    _emit_decision(
        session,
        decision,
        coach=coach,
        module=module,
        trainer=actor_of(decided_by),
        xapi=xapi,
    )
    return decision


def _check_people(coach: User, decided_by: User) -> None:
    if coach.role != Role.COACH:
        raise DecisionError(N_("Only coaches have competences to validate."))
    if decided_by.role not in REVIEWERS:
        raise DecisionError(N_("Only trainers and administrators decide on competences."))


def _rubric_columns(scored: RubricScore | None) -> dict:
    if scored is None:
        return {"rubric": None, "rubric_points": None, "rubric_max": None}
    return {"rubric": scored.levels, "rubric_points": scored.points, "rubric_max": scored.maximum}


def _attachment_columns(attachment: StoredFile | None) -> dict:
    fields = ("path", "name", "type", "size", "sha256")
    return {f"attachment_{name}": getattr(attachment, name, None) for name in fields}


def decision_score(decision: Decision, attempt: Attempt | None) -> xs.Score | None:
    """The decision's own score: the rubric's points when the trainer scored one; the quiz's
    marks only for a decision by quiz (a jury's decision does not carry the quiz score)."""
    if decision.rubric_max:
        return xs.Score.points(decision.rubric_points, decision.rubric_max)
    if decision.modality == "quiz" and attempt is not None and attempt.passed is not None:
        return xs.Score.points(attempt.marks, attempt.max_marks) if attempt.max_marks else None
    return None


def revoke_decision(
    session: Session,
    decision: Decision,
    *,
    revoked_by: User,
    xapi: xs.XapiConfig,
    reason: str = "",
    now: datetime | None = None,
) -> Decision:
    """Revoke a decision: record ``voided`` for its statement; the row and history stay."""
    if revoked_by.role not in REVIEWERS:
        raise DecisionError(N_("Only trainers and administrators decide on competences."))
    if decision.revoked_at is not None:
        raise DecisionError(N_("This decision has already been revoked."))
    now = now or utcnow()
    reason = (reason or "").strip()[:NOTE_MAX_LENGTH]
    # The revocation is about the coach: in xAPI 2.0 it names their cohorts too.
    xapi = xs.for_person(xapi, None, quiz_service.cohorts_of(xapi, decision.coach))
    voiding = outbox.void(
        session,
        xapi,
        decision.statement_id,
        actor_of(revoked_by),
        timestamp=now,
        voiding_id=uuid.uuid4(),
        user_id=revoked_by.id,
        reason=reason,
    )
    _void_competence(session, decision, revoked_by=revoked_by, xapi=xapi, now=now)
    if decision.decision == VALIDATED:
        competence = module_for_unit(session, decision.unit_code).unit.competence
        credentials.revoke_for(session, decision, competence.code, now)
    decision.revoked_at = now
    decision.revoked_by_id = revoked_by.id
    decision.revoke_reason = reason or None
    decision.void_statement_id = uuid.UUID(voiding.id)
    session.flush()
    return decision


def _void_competence(
    session: Session, decision: Decision, *, revoked_by: User, xapi: xs.XapiConfig, now
) -> None:
    """A competence no longer satisfied once one of its units is revoked: void the statement
    that said it was."""
    module = module_for_unit(session, decision.unit_code)
    competence = module.unit.competence
    object_id = v.competence_activity_id(xapi.base_iri, competence.code)
    for row in outbox.standing(
        session, user_id=decision.coach_id, verb=v.VERB_SATISFIED, object_id=object_id
    ):
        outbox.void(
            session,
            xapi,
            row.id,
            actor_of(revoked_by),
            timestamp=now,
            voiding_id=uuid.uuid4(),
            user_id=revoked_by.id,
            reason=f"unit {decision.unit_code} revoked",
        )


def decide_on_pass(
    session: Session, attempt: Attempt, xapi: xs.XapiConfig, *, now: datetime | None = None
) -> Decision | None:
    """Validate the unit when the module's rule says a passed quiz is enough.

    Called by the quiz service after grading. Only a fully graded, passed attempt whose
    proposed status is "evidence sufficient" counts; a unit already validated is left alone.
    """
    if attempt.state != GRADED or not attempt.passed:
        return None
    if attempt.proposed_status != mastery.EVIDENCE_SUFFICIENT:
        return None
    module = catalog.module_by_code(session, attempt.module_code)
    if module is None or not (module.validation or {}).get("auto_validate_by_quiz"):
        return None
    if standing_decision(session, attempt.user_id, module.code) is not None:
        return None
    coach = session.get(User, attempt.user_id)
    decision = Decision(
        coach_id=coach.id,
        unit_code=module.code,
        modality="quiz",
        decision=VALIDATED,
        automatic=True,
        attempt_id=attempt.id,
        note="",
        decided_by_id=None,
        decided_at=now or utcnow(),
        statement_id=uuid.uuid4(),
    )
    try:
        # Two gradings finishing together: the partial unique index lets only one through.
        with session.begin_nested():
            session.add(decision)
            session.flush()
    except IntegrityError:
        return None
    _emit_decision(
        session,
        decision,
        coach=coach,
        module=module,
        trainer=None,  # the quiz rule decided: evidence says "automatic", no instructor
        xapi=xapi,
    )
    return decision


def decide_for_many(
    session: Session,
    *,
    coaches: list[User],
    unit_code: str,
    modality: str,
    validated: bool,
    decided_by: User,
    xapi: xs.XapiConfig,
    live_session_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> BulkResult:
    """The same decision for several coaches (the participants of a live session).

    A coach whose unit is already validated is skipped and reported, the others are recorded.
    """
    result = BulkResult()
    module = module_for_unit(session, unit_code)
    _check_modality(module, modality)
    for coach in coaches:
        if standing_decision(session, coach.id, unit_code) is not None:
            result.skipped.append((coach, N_("already validated")))
            continue
        if coach.role != Role.COACH:
            result.skipped.append((coach, N_("not a coach")))
            continue
        result.decided.append(
            decide(
                session,
                coach=coach,
                unit_code=unit_code,
                modality=modality,
                validated=validated,
                decided_by=decided_by,
                xapi=xapi,
                note=note,
                live_session_id=live_session_id,
                now=now,
            )
        )
    return result


def rubric_for(module: Module, definition: dict) -> dict:
    """The grid an answer is graded with: the question's own, else the module's."""
    own = definition.get("rubric")
    return own if isinstance(own, dict) and own.get("criteria") else evaluation_grid(module)


def grade_answer(
    session: Session,
    slot: AttemptSlot,
    *,
    grader: User,
    xapi: xs.XapiConfig,
    levels: dict[str, str] | None = None,
    percent: float | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> Grade:
    """Grade (or regrade) an answer with the evaluation grid, or a percentage when the module
    has none; the quiz service keeps the history, rescores the skills and emits; a module
    whose rule allows it then validates on the passed quiz."""
    if grader.role not in REVIEWERS:
        raise DecisionError(N_("Only trainers and administrators grade answers."))
    if slot.attempt.answers_deleted_at is not None:
        raise DecisionError(
            N_("This answer was deleted at the end of its retention period: its grade stays.")
        )
    module = module_for_unit(session, slot.attempt.module_code)
    grid = rubric_for(module, slot.question_version.definition)
    if grid.get("criteria") and grid.get("levels"):
        scored = score_rubric(grid, levels or {})
        fraction, rubric = (
            scored.fraction,
            {
                "levels": scored.levels,
                "points": scored.points,
                "max": scored.maximum,
            },
        )
    else:
        if percent is None or not 0 <= percent <= 100:
            raise DecisionError(N_("Enter a grade between 0 and 100 %."))
        fraction, rubric = percent / 100, None
    if len(comment or "") > NOTE_MAX_LENGTH:
        raise DecisionError(N_("The comment is too long (4,000 characters at most)."))
    try:
        grade = quiz_service.grade_manually(
            session,
            slot,
            grader=grader,
            fraction=round(fraction, 6),
            xapi=xapi,
            rubric=rubric,
            comment=(comment or "").strip(),
            now=now,
        )
    except quiz_service.AttemptError as error:
        raise DecisionError(error.msgid, **error.params) from error
    apply_coverage_rule(session, slot.attempt)
    decide_on_pass(session, slot.attempt, xapi, now=now)
    return grade


def submit_attempt(
    session: Session,
    attempt: Attempt,
    *,
    xapi: xs.XapiConfig,
    now: datetime | None = None,
    auto: bool = False,
) -> tuple[Attempt, Decision | None]:
    """Submit a quiz attempt (the quiz service grades it), mark it practice when its questions
    do not cover the unit, then validate the unit when the module's rule allows it. The coach's
    submit and the deadline sweep call this: the quiz package sits below competence and cannot
    call back into it."""
    attempt = quiz_service.submit(session, attempt, xapi=xapi, now=now, auto=auto)
    apply_coverage_rule(session, attempt)
    return attempt, decide_on_pass(session, attempt, xapi, now=now)


def close_overdue_attempts(
    session: Session, *, xapi: xs.XapiConfig, now: datetime | None = None
) -> list[int]:
    """The deadline sweep: submit every open attempt past its time limit with the answers saved
    in time, validating the unit where a passed quiz is enough."""
    now = now or utcnow()
    overdue = quiz_service.overdue_attempts(session, now)
    for attempt in overdue:
        submit_attempt(session, attempt, xapi=xapi, now=now, auto=True)
    return [attempt.id for attempt in overdue]

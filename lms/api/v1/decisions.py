"""A trainer's work: the grading queue, grading an answer, deciding on a coach's unit and
revoking a decision, through the competence services the trainer pages call (and audited as
they audit it)."""

from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from lms import params
from lms.api.rest import PREFIX, allow, client_address, xapi_config
from lms.api.v1.schemas import With, moment
from lms.auth import audit
from lms.auth.models import User
from lms.auth.policy import REVIEWERS, Role, can_see
from lms.catalog import queries as catalog
from lms.competence import queries, service
from lms.competence.models import NOT_VALIDATED, VALIDATED, Decision
from lms.extensions import db

blp = Blueprint(
    "api_decisions", __name__, url_prefix=PREFIX,
    description="Grading and decisions on competences (trainers, administrators)",
)  # fmt: skip


class QueueItemSchema(Schema):
    slot_id = fields.Function(lambda item: item.slot.id, required=True)
    attempt_id = fields.Function(lambda item: item.attempt.id, required=True)
    position = fields.Function(lambda item: item.slot.position, required=True)
    coach_id = fields.Function(lambda item: item.coach.id, required=True)
    coach_name = fields.Function(lambda item: item.coach.display_name, required=True)
    module_code = fields.Function(lambda item: item.attempt.module_code, required=True)
    submitted_at = fields.Function(
        lambda item: item.attempt.submitted_at.isoformat() if item.attempt.submitted_at else None,
        required=True,
    )
    answer = fields.Function(
        lambda item: item.slot.answer.raw if item.slot.answer else None, required=True
    )


class GradingQueueSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema), required=True)


class GradeArguments(Schema):
    percent = fields.Float(
        load_default=None, validate=validate.Range(0, 100), allow_nan=False,
        metadata={"description": "when the module has no evaluation grid"},
    )  # fmt: skip
    levels = fields.Dict(
        keys=params.Text(40), values=params.Text(40), load_default=None,
        metadata={"description": "criterion id -> level id of the module's evaluation grid"},
    )  # fmt: skip
    comment = fields.String(load_default="", validate=validate.Length(max=4000))


class GradeSchema(Schema):
    slot_id = fields.Integer(required=True)
    state = fields.String(required=True)
    fraction = fields.Float(required=True, allow_none=True)
    comment = fields.String(required=True, allow_none=True)
    graded_at = moment(required=True)


class DecisionArguments(Schema):
    coach_id = params.Id(required=True)
    unit_code = params.Text(10, required=True)
    modality = params.Text(12, required=True)
    decision = fields.String(required=True, validate=validate.OneOf([VALIDATED, NOT_VALIDATED]))
    levels = fields.Dict(keys=params.Text(40), values=params.Text(40), load_default=None)
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class RevokeArguments(Schema):
    reason = params.Text(1000, required=True)


class DecisionSchema(Schema):
    id = fields.Integer(required=True)
    coach_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    modality = fields.String(required=True)
    decision = fields.String(required=True)
    automatic = fields.Boolean(required=True)
    decided_at = moment(required=True)
    revoked_at = moment(required=True, allow_none=True)


def _audit(action: str, subject: str, **detail) -> None:
    audit.record(
        db.session, action, actor=current_user, subject=subject, ip=client_address(),
        detail=detail,
    )  # fmt: skip


def _coach(user_id: int) -> User:
    """A coach the caller sees; 404 otherwise (as if there were none)."""
    coach = db.session.get(User, user_id)
    if coach is None or coach.role != Role.COACH or not can_see(db.session, current_user, coach):
        abort(404, message="No such coach among yours.")
    return coach


@blp.route("/grading")
@allow(*REVIEWERS)
@blp.response(200, GradingQueueSchema)
def grading_queue():
    """Answers waiting for a grade in the caller's cohorts, oldest first."""
    return {"items": queries.grading_queue(db.session, current_user)}


@blp.route("/grading/<int:slot_id>", methods=["POST"])
@allow(*REVIEWERS)
@blp.arguments(GradeArguments)
@blp.response(200, GradeSchema)
def grade(body: dict, slot_id: int):
    """Grade (or regrade) an answer: levels of the module's grid, or a percentage."""
    slot = queries.slot_for_grading(db.session, slot_id)
    if slot is None:
        abort(404, message="No such answer.")
    coach = _coach(slot.attempt.user_id)
    grade = service.grade_answer(
        db.session, slot, grader=current_user, xapi=xapi_config(),
        levels=body["levels"], percent=body["percent"], comment=body["comment"],
    )  # fmt: skip
    _audit("attempt.graded", f"slot:{slot.id} attempt:{slot.attempt_id}", coach=coach.email)
    db.session.commit()
    return With(grade, slot_id=slot.id)


@blp.route("/decisions", methods=["POST"])
@allow(*REVIEWERS)
@blp.arguments(DecisionArguments)
@blp.response(201, DecisionSchema)
def decide(body: dict):
    """Record a decision on a coach's unit (409 when the unit is already validated: revoke
    first). A quiz decision rests on the coach's latest submitted attempt."""
    coach = _coach(body["coach_id"])
    module = catalog.module_by_code(db.session, body["unit_code"])
    if module is None:
        abort(404, message=f"No unit {body['unit_code']}.")
    proposed = queries.latest_submitted_attempt(db.session, coach.id, module.code)
    decision = service.decide(
        db.session, coach=coach, unit_code=module.code, modality=body["modality"],
        validated=body["decision"] == VALIDATED, decided_by=current_user, xapi=xapi_config(),
        rubric=body["levels"] or None, note=body["note"],
        attempt=proposed if body["modality"] == "quiz" else None,
    )  # fmt: skip
    _audit(
        "decision.recorded", f"unit:{module.code}", coach=coach.email,
        decision=body["decision"], modality=body["modality"],
    )  # fmt: skip
    db.session.commit()
    return decision


@blp.route("/decisions/<int:decision_id>/revoke", methods=["POST"])
@allow(*REVIEWERS)
@blp.arguments(RevokeArguments)
@blp.response(200, DecisionSchema)
def revoke(body: dict, decision_id: int):
    """Revoke a decision, with the reason; the history keeps it."""
    if not body["reason"]:
        abort(422, message="Give a reason.", errors={"json": {"reason": ["Give a reason."]}})
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        abort(404, message="No such decision.")
    coach = _coach(decision.coach_id)
    service.revoke_decision(
        db.session, decision, revoked_by=current_user, xapi=xapi_config(), reason=body["reason"]
    )
    _audit("decision.revoked", f"decision:{decision.id}", coach=coach.email)
    db.session.commit()
    return decision

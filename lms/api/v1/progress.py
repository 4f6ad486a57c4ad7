"""The calling coach's progress (modules, skills) and completion record."""

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.api.rest import PREFIX, allow
from lms.api.v1.schemas import lang_map, moment
from lms.auth.policy import Role
from lms.competence.record import completion_record
from lms.delivery import queries
from lms.extensions import db

blp = Blueprint(
    "api_progress", __name__, url_prefix=PREFIX,
    description="The calling coach's progress and completion record",
)  # fmt: skip


class ModuleProgressSchema(Schema):
    module_code = fields.Function(lambda p: p.module.code, required=True)
    competence_code = fields.String(required=True)
    lessons_total = fields.Integer(required=True)
    lessons_done = fields.Integer(required=True)
    quiz_status = fields.String(required=True)
    quiz_score = fields.Float(required=True, allow_none=True)
    competence_status = fields.String(required=True)
    percent = fields.Integer(required=True)


class SkillProgressSchema(Schema):
    code = fields.Function(lambda s: s.skill.code, required=True)
    label = fields.Function(lambda s: s.skill.label, required=True)
    fraction = fields.Float(
        required=True, allow_none=True, metadata={"description": "None: never assessed"}
    )


class ProgressSchema(Schema):
    modules = fields.List(fields.Nested(ModuleProgressSchema), required=True)
    skills = fields.List(fields.Nested(SkillProgressSchema), required=True)


class RecordEntrySchema(Schema):
    unit_code = fields.String(required=True)
    unit_title = lang_map(required=True)
    competence_code = fields.String(required=True)
    modality = fields.String(required=True)
    automatic = fields.Boolean(required=True)
    decided_at = moment(required=True)
    validator = fields.String(required=True, allow_none=True)
    skills = fields.Function(lambda e: [s.code for s in e.skills], required=True)
    statement_id = fields.String(required=True)


class RecordSchema(Schema):
    coach_name = fields.String(required=True)
    coach_email = fields.String(required=True)
    entries = fields.List(fields.Nested(RecordEntrySchema), required=True)
    competences_complete = fields.Function(
        lambda r: [code for code, _title in r.competences_complete], required=True
    )
    units_total = fields.Integer(required=True)
    generated_at = moment(required=True)
    verification_code = fields.String(required=True)


@blp.route("/progress")
@allow(Role.COACH)
@blp.response(200, ProgressSchema)
def progress():
    """Where the caller stands in each module, and each skill's latest graded evidence."""
    modules = []
    for group in queries.catalogue(db.session, current_user):
        for entry in group.modules:
            entry.competence_code = group.competence.code
            modules.append(entry)
    skills = [
        skill
        for competence in queries.skill_progress(db.session, current_user)
        for unit in competence.units
        for skill in unit.skills
    ]
    return {"modules": modules, "skills": skills}


@blp.route("/progress/record")
@allow(Role.COACH)
@blp.response(200, RecordSchema)
def record():
    """The caller's completion record: the units validated, and its verification code."""
    found = completion_record(db.session, current_user)
    db.session.commit()  # a verification code issued for a new set of decisions
    return found

"""Cohorts and their competence matrix, as the trainer pages show them (the same access
policy: a trainer sees the cohorts they teach, an administrator every cohort)."""

from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import select

from lms.api import pagination
from lms.api.rest import PREFIX, allow
from lms.api.v1.schemas import lang_map, moment
from lms.auth.models import Cohort
from lms.auth.policy import REVIEWERS, can_see_cohort, visible_cohort_ids
from lms.competence import queries
from lms.extensions import db

blp = Blueprint(
    "api_cohorts", __name__, url_prefix=PREFIX,
    description="Cohorts and their competence matrix (trainers, administrators)",
)  # fmt: skip


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)


class CohortSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = moment(required=True)


class CohortDetailSchema(CohortSchema):
    coaches = fields.List(fields.Nested(PersonSchema), required=True)
    trainers = fields.List(fields.Nested(PersonSchema), required=True)


class CellSchema(Schema):
    status = fields.String(required=True)
    best_score = fields.Float(required=True, allow_none=True)
    attempts = fields.Integer(required=True)
    passed = fields.Boolean(required=True)
    decided_at = moment(required=True, allow_none=True)


class MatrixRowSchema(Schema):
    coach_id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    units = fields.Dict(
        keys=fields.String(), values=fields.Nested(CellSchema), required=True, attribute="cells"
    )
    competences = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    last_activity = moment(required=True, allow_none=True)


class ColumnSchema(Schema):
    code = fields.String(required=True)
    title = lang_map(required=True)


class MatrixSchema(Schema):
    units = fields.List(fields.Nested(ColumnSchema), required=True)
    competences = fields.List(fields.Nested(ColumnSchema), required=True)
    rows = fields.List(fields.Nested(MatrixRowSchema), required=True)


CohortPage = pagination.page_schema(CohortSchema)


def visible_cohort(cohort_id: int) -> Cohort:
    """The cohort if the caller sees it; 404 otherwise (as if it did not exist)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_see_cohort(db.session, current_user, cohort.id):
        abort(404, message="No such cohort among yours.")
    return cohort


@blp.route("/cohorts")
@allow(*REVIEWERS)
@blp.arguments(pagination.PageArguments, location="query", as_kwargs=True)
@blp.response(200, CohortPage)
def cohorts(**page):
    """The cohorts the caller teaches (every cohort for an administrator)."""
    query = select(Cohort).where(Cohort.id.in_(visible_cohort_ids(current_user)))
    return pagination.page_of_query(db.session, query, Cohort.id, page)


@blp.route("/cohorts/<int:cohort_id>")
@allow(*REVIEWERS)
@blp.response(200, CohortDetailSchema)
def cohort(cohort_id: int):
    """One cohort with its coaches and trainers."""
    return visible_cohort(cohort_id)


@blp.route("/cohorts/<int:cohort_id>/matrix")
@allow(*REVIEWERS)
@blp.response(200, MatrixSchema)
def matrix(cohort_id: int):
    """The cohort's coaches × units and competences: status, best score, attempts."""
    return queries.cohort_matrix(db.session, visible_cohort(cohort_id).id)

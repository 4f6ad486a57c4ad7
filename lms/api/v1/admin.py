"""Accounts and cohorts, for administrators, through the account services the
administration pages call (and audited as they audit it)."""

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lms import params
from lms.api import pagination
from lms.api.rest import PREFIX, allow, client_address
from lms.api.v1.cohorts import CohortDetailSchema
from lms.api.v1.schemas import moment
from lms.auth import audit, links, mails, service
from lms.auth.models import LANGUAGES, ROLES, Cohort, User
from lms.auth.policy import Role
from lms.extensions import db
from lms.formats import translated

blp = Blueprint(
    "api_admin", __name__, url_prefix=PREFIX, description="Accounts and cohorts (administrators)"
)


class UserSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    language = fields.String(required=True, metadata={"enum": list(LANGUAGES)})
    active = fields.Boolean(required=True)
    invited_at = moment(required=True, allow_none=True)
    accepted = fields.Function(lambda user: user.password_hash is not None, required=True)


class NewUserArguments(Schema):
    email = params.Text(254, required=True)
    display_name = params.Text(120, required=True)
    role = fields.String(load_default=Role.COACH.value, validate=validate.OneOf(ROLES))
    language = fields.String(load_default="fr", validate=validate.OneOf(LANGUAGES))


class UserChangeArguments(Schema):
    active = fields.Boolean(required=True)


class NewCohortArguments(Schema):
    name = params.Text(120, required=True)


class MembersArguments(Schema):
    emails = fields.List(params.Text(254), required=True, validate=validate.Length(min=1, max=500))
    role = fields.String(
        load_default=Role.COACH.value, validate=validate.OneOf([Role.COACH, Role.TRAINER])
    )


UserPage = pagination.page_schema(UserSchema)


def _audit(action: str, user: User, **detail) -> None:
    audit.record(
        db.session, action, actor=current_user, subject=f"user:{user.id} {user.email}",
        ip=client_address(), detail=detail,
    )  # fmt: skip


def _refuse(error: service.AccountError):
    """An account the caller can fix: 422 naming the field, nothing kept."""
    db.session.rollback()
    message = translated(error)
    abort(422, message=message, errors={"json": {error.field: [message]}})


@blp.route("/users")
@allow(Role.ADMIN)
@blp.arguments(pagination.PageArguments, location="query", as_kwargs=True)
@blp.response(200, UserPage)
def users(**page):
    """Every account, in the order they were created."""
    return pagination.page_of_query(db.session, select(User), User.id, page)


@blp.route("/users", methods=["POST"])
@allow(Role.ADMIN)
@blp.arguments(NewUserArguments)
@blp.response(201, UserSchema)
def new_user(body: dict):
    """Create an account without a password: the person receives an invitation to choose one."""
    try:
        user = service.create_user(db.session, **body)
    except service.AccountError as error:
        _refuse(error)
    _audit("user.created", user, role=user.role)
    db.session.commit()
    if not mails.send_password_link(user, links.INVITATION):
        current_app.logger.warning("the invitation of %s was refused", user.email)
    db.session.commit()
    return user


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@allow(Role.ADMIN)
@blp.arguments(UserChangeArguments)
@blp.response(200, UserSchema)
def change_user(body: dict, user_id: int):
    """Activate or deactivate an account; deactivating ends its sessions and its tokens work
    no more."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, message="No such account.")
    if user.id == current_user.id and not body["active"]:
        abort(409, message="You cannot deactivate your own account.")
    service.set_active(user, body["active"])
    if not user.active:
        service.end_sessions(db.session, user)
    _audit("user.status_changed", user, active=user.active)
    db.session.commit()
    return user


@blp.route("/cohorts", methods=["POST"])
@allow(Role.ADMIN)
@blp.arguments(NewCohortArguments)
@blp.response(201, CohortDetailSchema)
def new_cohort(body: dict):
    """Create a cohort (409 when the name is taken)."""
    try:
        cohort = service.create_cohort(db.session, body["name"])
    except service.AccountError as error:
        _refuse(error)
    db.session.commit()
    return cohort


@blp.route("/cohorts/<int:cohort_id>/members", methods=["POST"])
@allow(Role.ADMIN)
@blp.arguments(MembersArguments)
@blp.response(200, CohortDetailSchema)
def add_members(body: dict, cohort_id: int):
    """Add accounts to the cohort as coaches or trainers: all of them, or none when one
    address has no account."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404, message="No such cohort.")
    _added, problems = service.add_members(
        db.session, cohort, "\n".join(body["emails"]), body["role"]
    )
    if problems:
        _refuse(problems[0])
    db.session.commit()
    return cohort

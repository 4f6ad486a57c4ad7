"""xAPI pages: the statements resource, cohort record downloads, LRS endpoints and dead letters."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, URLField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from lms.access import roles_required
from lms.extensions import db
from lms.xapi import export, forwarder, queries
from lms.xapi.models import Endpoint, Statement
from lms.xapi.outbox import normalise_uuid
from lms.xapi.statements import format_timestamp
from lms.xapi.validation import parse_timestamp

bp = Blueprint("xapi", __name__)

DEFAULT_LIMIT, MAX_LIMIT = 100, 500


# --- GET /xapi/statements --------------------------------------------------------------------


class BadQuery(ValueError):
    """A statements query the client must fix (answered with 400 and the reason)."""


def _xapi_response(payload: object, status: int = 200) -> Response:
    response = Response(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )
    response.headers["X-Experience-API-Version"] = current_app.config.get("XAPI_VERSION", "1.0.3")
    return response


def _as_returned(row: Statement) -> dict:
    statement = json.loads(row.text)
    statement["stored"] = format_timestamp(row.stored)
    return statement


def _visible_user_ids() -> set[int] | None:
    if current_user.role == "admin":
        return None
    if current_user.role == "trainer":
        return queries.trainer_scope(db.session, current_user.id)
    return {current_user.id}


def _agent_ifi(args) -> str | None:
    if "agent" in args:
        try:
            agent = json.loads(args["agent"])
        except ValueError:
            raise BadQuery('agent must be a JSON Agent, e.g. {"mbox": "mailto:…"}') from None
        ifi = queries.agent_ifi(agent) if isinstance(agent, dict) else None
        if ifi is None:
            raise BadQuery("agent needs an identifier: mbox, mbox_sha1sum, openid or account")
        return ifi
    if "mbox" in args:
        mbox = args["mbox"].strip()
        return mbox if mbox.startswith("mailto:") else "mailto:" + mbox
    return None


def _moment(args, key: str):
    if key not in args:
        return None
    moment = parse_timestamp(args[key])
    if moment is None:
        raise BadQuery(f"{key} must be an ISO 8601 timestamp with an offset")
    return moment


def _filters(args) -> queries.StatementFilter:
    registration = args.get("registration")
    try:
        registration = normalise_uuid(registration) if registration else None
    except ValueError:
        raise BadQuery("registration must be a UUID") from None
    return queries.StatementFilter(
        agent_ifi=_agent_ifi(args),
        verb=args.get("verb"),
        activity=args.get("activity"),
        registration=registration,
        since=_moment(args, "since"),
        until=_moment(args, "until"),
        ascending=args.get("ascending", "false").lower() == "true",
    )


def _page_args(args) -> tuple[int, int | None]:
    try:
        limit = int(args.get("limit", DEFAULT_LIMIT))
        cursor = int(args["cursor"]) if "cursor" in args else None
    except ValueError:
        raise BadQuery("limit and cursor must be integers") from None
    if limit < 0:
        raise BadQuery("limit must not be negative")
    # As in the xAPI spec, 0 asks for the server's maximum.
    return min(limit or MAX_LIMIT, MAX_LIMIT), cursor


def _single(args, visible: set[int] | None) -> Response:
    key = "statementId" if "statementId" in args else "voidedStatementId"
    if set(args) - {key, "format", "attachments"}:
        raise BadQuery(f"{key} cannot be combined with other filters")
    try:
        statement_id = normalise_uuid(args[key])
    except ValueError:
        raise BadQuery(f"{key} must be a UUID") from None
    row = queries.get_statement(db.session, statement_id, visible_user_ids=visible)
    # A voided statement is fetched by voidedStatementId only, as the spec says.
    if row is None or row.voided != (key == "voidedStatementId"):
        return _xapi_response({"error": "no such statement"}, 404)
    return _xapi_response(_as_returned(row))


@bp.get("/xapi/statements")
@roles_required()
def statements():
    """xAPI StatementResult of the statements the user may see (or one by statementId)."""
    args, visible = request.args, _visible_user_ids()
    try:
        if "statementId" in args or "voidedStatementId" in args:
            return _single(args, visible)
        filters, (limit, cursor) = _filters(args), _page_args(args)
    except BadQuery as error:
        return _xapi_response({"error": str(error)}, 400)
    rows, next_cursor = queries.find_statements(
        db.session, filters, visible_user_ids=visible, limit=limit, after_seq=cursor
    )
    more = ""
    if next_cursor is not None:
        more = url_for("xapi.statements", **{**args.to_dict(), "cursor": next_cursor})
    return _xapi_response({"statements": [_as_returned(row) for row in rows], "more": more})


# --- GET /xapi/export --------------------------------------------------------------------------


def _export_period(args):
    try:
        since = export.parse_bound(args["since"]) if args.get("since") else None
        until = export.parse_bound(args["until"], end=True) if args.get("until") else None
    except ValueError:
        abort(400)
    return since, until


@bp.get("/xapi/export")
@roles_required("trainer", "admin")
def export_records():
    """Completion records (xAPI JSON) of a cohort's coaches over a period; without a cohort,
    the form to choose one."""
    is_admin = current_user.role == "admin"
    if not request.args.get("cohort"):
        cohorts = queries.exportable_cohorts(db.session, current_user.id, every=is_admin)
        return render_template("xapi/export.html", cohorts=cohorts)
    cohort_id = request.args.get("cohort", type=int) or abort(400)
    since, until = _export_period(request.args)
    if not queries.cohort_exists(db.session, cohort_id):
        abort(404)
    if not (is_admin or queries.teaches(db.session, current_user.id, cohort_id)):
        abort(403)
    coaches = queries.cohort_coach_ids(db.session, cohort_id)
    records = export.completion_statements(db.session, coaches, since, until)
    response = _xapi_response(records)
    name = (
        f"xapi-cohort-{cohort_id}-{request.args.get('since', '')}-{request.args.get('until', '')}"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name.rstrip("-")}.json"'
    return response


# --- /admin/xapi -------------------------------------------------------------------------------

SCOPE_CHOICES = [
    ("all", _l("All statements")),
    ("completions", _l("Completion records only")),
]


class EndpointForm(FlaskForm):
    endpoint_id = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    url = URLField(
        _l("xAPI endpoint URL"),
        validators=[
            DataRequired(),
            Length(max=2048),
            Regexp(r"^https?://\S+$", message=_l("Enter an http:// or https:// address.")),
        ],
    )
    username = StringField(_l("Username"), validators=[Optional(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=255)])
    scope = SelectField(_l("Statements to send"), choices=SCOPE_CHOICES, default="all")
    active = BooleanField(_l("Active"), default=True)


class RetryForm(FlaskForm):
    statement_id = HiddenField()


def _endpoint_messages() -> dict[str, str]:
    return {
        "reserved": _("This name is reserved for the endpoint set by LMS_LRS_URL."),
        "duplicate": _("An endpoint with this name already exists."),
        "url": _("Enter an http:// or https:// address."),
        "scope": _("Choose what to send."),
        "not_editable": _("This endpoint cannot be edited here."),
    }


def _admin_page(form: EndpointForm, status: int = 200):
    session = db.session
    page = render_template(
        "xapi/admin.html",
        form=form,
        endpoints=queries.endpoints(session),
        counts=queries.delivery_counts(session),
        dead=queries.dead_letters(session),
        retry_form=RetryForm(),
    )
    return page, status


@bp.get("/admin/xapi")
@roles_required("admin")
def admin():
    """LRS endpoints with their delivery counts, the endpoint form, the dead letters."""
    form = EndpointForm()
    editing = request.args.get("edit", type=int)
    endpoint = db.session.get(Endpoint, editing) if editing else None
    if endpoint is not None and endpoint.source == "admin":
        form = EndpointForm(obj=endpoint, endpoint_id=str(endpoint.id))
        form.password.data = ""
    return _admin_page(form)


@bp.post("/admin/xapi/endpoints")
@roles_required("admin")
def save_endpoint():
    """Create or update an endpoint."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _admin_page(form, 400)
    try:
        endpoint = forwarder.save_endpoint(
            db.session,
            endpoint_id=int(form.endpoint_id.data) if form.endpoint_id.data else None,
            name=form.name.data,
            url=form.url.data,
            username=form.username.data or "",
            password=form.password.data or "",
            scope=form.scope.data,
            active=form.active.data,
        )
    except (forwarder.EndpointError, ValueError) as error:
        db.session.rollback()
        code = getattr(error, "code", "not_editable")
        field = getattr(error, "field", "name")
        form[field].errors = [*form[field].errors, _endpoint_messages()[code]]
        return _admin_page(form, 400)
    db.session.commit()
    flash(_("Endpoint %(name)s saved.", name=endpoint.name), "info")
    return redirect(url_for("xapi.admin"))


@bp.post("/admin/xapi/dead-letters/retry")
@roles_required("admin")
def retry_dead_letters():
    """Put one statement's dead letters, or all of them, back to pending."""
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        statement_id = normalise_uuid(form.statement_id.data) if form.statement_id.data else None
    except ValueError:
        abort(400)
    count = forwarder.retry_dead(db.session, statement_id=statement_id)
    db.session.commit()
    flash(_("%(count)d statement(s) will be sent again.", count=count), "info")
    return redirect(url_for("xapi.admin"))

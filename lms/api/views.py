"""The learning records API: the xAPI statements resource and cohort record downloads, each
answering with what the access policy lets the user see."""

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import Select

from lms import params
from lms.access import personal_data, roles_required
from lms.auth.models import Cohort
from lms.auth.policy import REVIEWERS, can_see_cohort, visible_actors, visible_cohorts
from lms.extensions import db
from lms.xapi import export, queries
from lms.xapi.models import Statement
from lms.xapi.outbox import normalise_uuid
from lms.xapi.statements import format_timestamp
from lms.xapi.validation import parse_timestamp

bp = Blueprint("api", __name__)

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


def as_returned(row: Statement) -> dict:
    statement = json.loads(row.text)
    statement["stored"] = format_timestamp(row.stored)
    return statement


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
    if not params.FIRST_DAY <= moment.date() <= params.LAST_DAY:
        raise BadQuery(f"{key} must lie between {params.FIRST_DAY} and {params.LAST_DAY}")
    return moment


def statement_filter(args) -> queries.StatementFilter:
    registration = args.get("registration")
    try:
        registration = normalise_uuid(registration) if registration else None
    except ValueError:
        raise BadQuery("registration must be a UUID") from None
    ifi = _agent_ifi(args)
    home_page = current_app.config.get("BASE_URL", "")
    return queries.StatementFilter(
        agent_ifis=queries.actor_ifis(db.session, ifi, home_page) if ifi else None,
        verb=args.get("verb"),
        activity=args.get("activity"),
        registration=registration,
        since=_moment(args, "since"),
        until=_moment(args, "until"),
        ascending=args.get("ascending", "false").lower() == "true",
    )


class PageArguments(params.Arguments):
    limit = params.Integer(0, params.MAX_ID, load_default=DEFAULT_LIMIT)
    cursor = params.Integer(0, 2**62, load_default=None)


def _page_args(args) -> tuple[int, int | None]:
    try:
        page = PageArguments().load({key: args[key] for key in ("limit", "cursor") if key in args})
    except ValidationError:
        raise BadQuery("limit and cursor must be integers, not negative") from None
    # As in the xAPI spec, 0 asks for the server's maximum.
    return min(page["limit"] or MAX_LIMIT, MAX_LIMIT), page["cursor"]


def _single(args, visible: Select | None) -> Response:
    key = "statementId" if "statementId" in args else "voidedStatementId"
    if set(args) - {key, "format", "attachments"}:
        raise BadQuery(f"{key} cannot be combined with other filters")
    try:
        statement_id = normalise_uuid(args[key])
    except ValueError:
        raise BadQuery(f"{key} must be a UUID") from None
    row = queries.get_statement(db.session, statement_id, visible_actors=visible)
    # A voided statement is fetched by voidedStatementId only, as the spec says.
    if row is None or row.voided != (key == "voidedStatementId"):
        return _xapi_response({"error": "no such statement"}, 404)
    return _xapi_response(as_returned(row))


@bp.get("/xapi/statements")
@roles_required()
@personal_data
def statements():
    """xAPI StatementResult of the statements the user may see (or one by statementId)."""
    args, visible = request.args, visible_actors(current_user)
    try:
        if "statementId" in args or "voidedStatementId" in args:
            return _single(args, visible)
        filters, (limit, cursor) = statement_filter(args), _page_args(args)
    except BadQuery as error:
        return _xapi_response({"error": str(error)}, 400)
    rows, next_cursor = queries.find_statements(
        db.session, filters, visible_actors=visible, limit=limit, after_seq=cursor
    )
    more = ""
    if next_cursor is not None:
        # The query string is built, not passed to url_for, whose own keywords (_method,
        # _external…) a client could otherwise send.
        more = (
            url_for("api.statements") + "?" + urlencode({**args.to_dict(), "cursor": next_cursor})
        )
    return _xapi_response({"statements": [as_returned(row) for row in rows], "more": more})


# --- GET /xapi/export --------------------------------------------------------------------------


class ExportArguments(params.Arguments):
    cohort = params.Id(required=True)
    since = params.Moment(load_default=None)
    until = params.Moment(load_default=None)


def _export_period(args):
    """(since, until) in UTC: a day counts whole, so an ``until`` day ends at the next midnight."""
    period = params.read(ExportArguments(), args)
    since, until = period["since"], period["until"]
    if until is not None and len(args["until"].strip()) == 10:
        until = export.parse_bound(args["until"], end=True)
    return period["cohort"], since, until


@bp.get("/xapi/export")
@roles_required(*REVIEWERS)
@personal_data
def export_records():
    """Completion records (xAPI JSON) of a cohort's coaches over a period; without a cohort,
    the form to choose one."""
    if not request.args.get("cohort"):
        cohorts = visible_cohorts(db.session, current_user)
        return render_template("api/export.html", cohorts=cohorts)
    cohort_id, since, until = _export_period(request.args)
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not can_see_cohort(db.session, current_user, cohort.id):
        abort(403)
    coaches = [coach.id for coach in cohort.coaches]
    records = export.completion_statements(db.session, coaches, since, until)
    response = _xapi_response(records)
    # Named from the parsed bounds, never from the raw query text.
    bounds = [f"{bound:%Y-%m-%dT%H%M%SZ}" for bound in (since, until) if bound is not None]
    name = "-".join([f"xapi-cohort-{cohort_id}", *bounds])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response

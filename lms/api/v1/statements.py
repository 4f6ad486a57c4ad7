"""Learning records: the xAPI statements the caller may see, through the xAPI package's query
and the same scoping as ``GET /xapi/statements`` (a coach their own, a trainer their cohorts'
coaches and themself, an administrator all)."""

from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from lms import params
from lms.api import pagination
from lms.api.rest import PREFIX, allow
from lms.api.views import BadQuery, as_returned, statement_filter
from lms.auth.policy import visible_actors
from lms.extensions import db
from lms.xapi import queries

blp = Blueprint(
    "api_statements", __name__, url_prefix=PREFIX,
    description="xAPI statements the caller may see",
)  # fmt: skip


class StatementArguments(pagination.PageArguments):
    agent = params.Text(1000, metadata={"description": 'a JSON Agent, e.g. {"mbox": "mailto:…"}'})
    verb = params.Text(500, metadata={"description": "a verb IRI"})
    activity = params.Text(500, metadata={"description": "an activity IRI"})
    registration = params.Text(36, metadata={"description": "a registration UUID"})
    since = params.Text(40, metadata={"description": "ISO 8601 timestamp with an offset"})
    until = params.Text(40, metadata={"description": "ISO 8601 timestamp with an offset"})
    ascending = fields.Boolean(load_default=False)


class StatementPageSchema(Schema):
    items = fields.List(fields.Dict(), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


@blp.route("/statements")
@allow()
@blp.arguments(StatementArguments, location="query")
@blp.response(200, StatementPageSchema)
def statements(args):
    """Statements newest first (``ascending`` for oldest first), filtered as the xAPI
    statements resource filters them."""
    text_args = {key: value for key, value in args.items() if isinstance(value, str)}
    text_args["ascending"] = "true" if args["ascending"] else "false"
    try:
        filters = statement_filter(text_args)
    except BadQuery as error:
        abort(400, message=str(error))
    rows, next_seq = queries.find_statements(
        db.session, filters, visible_actors=visible_actors(current_user),
        limit=args["limit"], after_seq=args["cursor"],
    )  # fmt: skip
    return {
        "items": [as_returned(row) for row in rows],
        "next_cursor": pagination.encode(next_seq) if next_seq is not None else None,
    }

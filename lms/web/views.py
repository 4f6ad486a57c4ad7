"""Home page per role, the health check for load balancers and the error pages."""

import json

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from lms.access import public, roles_required
from lms.auth.policy import visible_cohorts
from lms.errors import UserError
from lms.extensions import db
from lms.formats import translated
from lms.web import health, iris
from lms.xapi.outbox import config_from

bp = Blueprint("web", __name__)


@bp.route("/")
@roles_required()
def home():
    cohorts = visible_cohorts(db.session, current_user)
    return render_template(f"web/home_{current_user.role}.html", cohorts=cohorts)


@bp.route("/healthz")
@public
def healthz():
    """For load balancers: 200 when the database is reachable and migrated, 503 otherwise."""
    report = health.check(db.engine, current_app.config["MIGRATIONS_DIR"])
    return jsonify(report.as_dict()), 200 if report.healthy else 503


@bp.route("/xapi/<path:path>")
@public
def describe_iri(path: str):
    """Every IRI we mint resolves: JSON-LD when asked for it, a page for a browser."""
    config = config_from(current_app.config)
    description = iris.describe(db.session, config, path)
    if description is None:
        abort(404)
    wanted = request.accept_mimetypes.best_match(
        ["text/html", "application/ld+json", "application/json"], default="text/html"
    )
    if wanted != "text/html":
        text = json.dumps(description, ensure_ascii=False, indent=2)
        return Response(text, mimetype="application/ld+json")
    return render_template("web/iri.html", iri=f"{config.base_iri}/{path}", item=description)


def error_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        410: _("This is no longer kept."),
        413: _("The file is too large."),
        429: _("Too many requests. Wait a moment and try again."),
        500: _("Something went wrong on our side. Try again later."),
    }


def render_error(error: HTTPException | Exception):
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    message = error_messages().get(code, _("Unexpected error."))
    # A CSRF failure is the one 400 a person causes innocently (an old tab): say what to do.
    if code == 400 and "CSRF" in str(getattr(error, "description", "")):
        message = _(
            "The form has expired or was not sent from this site. Reload the page and try again."
        )
    # What a typed parameter found wrong (lms.params), when the view said it.
    detail = getattr(error, "description", None)
    if detail == getattr(type(error), "description", None) or "CSRF" in str(detail):
        detail = None
    return render_template("errors/error.html", code=code, message=message, detail=detail), code


def render_user_error(error: UserError):
    """A refusal that no view turned into a message: nothing of the request is kept, 400."""
    db.session.rollback()
    return render_template("errors/error.html", code=400, message=translated(error)), 400


def render_unavailable(error: Exception):
    message = _("The database cannot be reached. Try again in a few minutes.")
    return render_template("errors/error.html", code=503, message=message), 503

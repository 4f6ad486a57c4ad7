"""The OpenAPI 3.1 document of /api/v1 and its documentation page (vendored Swagger UI)."""

from flask import Blueprint, jsonify, render_template

from lms.access import public
from lms.api.rest import PREFIX, spec

bp = Blueprint("api_docs", __name__, url_prefix=PREFIX)


@bp.get("/openapi.json")
@public
def openapi_json():
    return jsonify(spec())


@bp.get("/docs")
@public
def docs():
    return render_template("api/docs.html")

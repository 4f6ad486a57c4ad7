"""Open Badges 3.0, the public side: the issuer's DID document and profile, the status lists,
each credential (page, JSON, baked SVG) and the verification of any credential file."""

import json

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from lms.access import public
from lms.credentials import baking
from lms.credentials import service as credentials
from lms.credentials.documents import profile_document
from lms.credentials.keys import NoSigningKey
from lms.extensions import csrf, db

bp = Blueprint("credentials", __name__)

# A credential is a few kilobytes; a baked image with it, a few more.
MAX_UPLOAD = 512 * 1024


def _settings() -> credentials.Settings:
    return credentials.settings_from(current_app.config)


def _json(document: dict, mimetype: str = "application/json", **headers) -> Response:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(text, mimetype=mimetype, headers=headers)


@bp.route("/.well-known/did.json")
@bp.route("/did.json")
@public
def did_document():
    """The issuer's ``did:web`` document: every public key, the old ones too."""
    issuer = credentials.issuer(db.session, _settings())
    document = credentials.did_document(_settings(), issuer)
    return _json(document, "application/did+json", **{"Cache-Control": "max-age=300"})


@bp.route("/credentials/issuer")
@public
def issuer_profile():
    profile = credentials.issuer(db.session, _settings())
    return _json(profile_document(profile), "application/ld+json")


@bp.route("/credentials/status/<int:number>")
@public
def status_list(number: int):
    document = credentials.status_list(db.session, _settings(), number)
    if document is None:
        abort(404)
    # Verifiers may keep it a minute: a revocation shows within that time.
    return _json(document, "application/vc+ld+json", **{"Cache-Control": "max-age=60"})


def _signed(public_id):
    credential = credentials.by_public_id(db.session, public_id) or abort(404)
    try:
        document = credentials.signed_document(db.session, credential, _settings())
    except NoSigningKey:
        abort(503)
    db.session.commit()
    return credential, document


@bp.route("/credentials/<uuid:public_id>")
@public
def credential_page(public_id):
    credential, document = _signed(public_id)
    result = credentials.verify_document(db.session, _settings(), document)
    return render_template(
        "web/credential.html", credential=credential, document=document, result=result
    )


@bp.route("/credentials/<uuid:public_id>.json")
@public
def credential_json(public_id):
    credential, document = _signed(public_id)
    name = f"credential-{credential.code}-{credential.public_id}.json"
    return _json(document, **{"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/credentials/<uuid:public_id>.svg")
@public
def credential_svg(public_id):
    credential, document = _signed(public_id)
    image = baking.bake_svg(document, code=credential.code, title=document.get("name", ""))
    name = f"badge-{credential.code}-{credential.public_id}.svg"
    return Response(
        image,
        mimetype="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _read_upload() -> tuple[dict | None, str | None]:
    """The credential of the request (a JSON or baked SVG file, or pasted JSON), or why not."""
    upload = request.files.get("file")
    if request.is_json:
        raw = request.get_data()
    elif upload and upload.filename:
        raw = upload.read(MAX_UPLOAD + 1)
    else:
        raw = request.form.get("document", "").encode()
    if len(raw) > MAX_UPLOAD:
        return None, "file: larger than 512 KB, not a credential"
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return None, "file: choose a credential file or paste its JSON"
    try:
        document = baking.unbake_svg(text) if text.lstrip().startswith("<") else json.loads(text)
    except (ValueError, RecursionError) as error:
        return None, f"file: neither a credential's JSON nor a baked badge image ({error})"
    return document, None


@bp.route("/credentials/verify", methods=["GET", "POST"])
@public
@csrf.exempt
def verify():
    """Any credential file, checked: a page for people, JSON for programs (POST JSON)."""
    if request.method == "GET":
        return render_template("web/credential_verify.html", result=None, document=None)
    document, error = _read_upload()
    result = None
    if document is not None:
        result = credentials.verify_document(db.session, _settings(), document)
    if request.is_json:
        problems = [error] if error else result.problems
        answer = {"valid": bool(result and result.valid), "problems": problems}
        answer["revoked"] = result.revoked if result else None
        return jsonify(answer), 200 if document is not None else 400
    return render_template(
        "web/credential_verify.html", result=result, document=document, error=error
    ), (200 if document is not None else 400)

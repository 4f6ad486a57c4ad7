"""The privacy notice (public, linked from every page), its acknowledgement, each person's
archive of their data, and what an administrator does for any person."""

import json
from pathlib import Path
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms import completion_document
from lms.access import personal_data, public, roles_required
from lms.auth.models import Role, User
from lms.competence import record
from lms.extensions import db
from lms.formats import current_language, translated
from lms.privacy import archive, erasure
from lms.privacy import notice as notice_facts
from lms.privacy.forms import EraseForm
from lms.timeutil import utcnow

bp = Blueprint("privacy", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home")


@bp.route("/privacy")
@public
def notice():
    facts = notice_facts.notice(db.session, current_app.config)
    pending = current_user.is_authenticated and current_user.privacy_acknowledged_at is None
    return render_template(
        "privacy/notice.html",
        notice=facts,
        language=current_language(),
        acknowledge=pending,
        next=_safe_next(request.args.get("next")),
    )


@bp.post("/privacy/acknowledge")
@roles_required()
def acknowledge():
    if current_user.privacy_acknowledged_at is None:
        current_user.privacy_acknowledged_at = utcnow()
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


def _archive_response(user: User) -> Response:
    now = utcnow()
    extra = []
    if user.role == Role.COACH:
        data = record.completion_record(db.session, user)
        pdf = completion_document.record_pdf(data, current_language())
        extra.append(archive.ArchiveFile("completion-record.pdf", pdf))
    body = archive.build(
        db.session, user, upload_dir=current_app.config["UPLOAD_DIR"], extra=extra, now=now
    )
    return Response(
        body,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{archive.filename(user, now)}"'},
    )


@bp.route("/privacy/my-data.zip")
@roles_required()
@personal_data
def my_data():
    """Everything held about the signed-in person, in one archive (audit-logged)."""
    return _archive_response(current_user)


@bp.route("/admin/users/<int:user_id>/data.zip")
@roles_required(Role.ADMIN)
@personal_data
def user_data(user_id: int):
    """The same archive, for any person, produced by an administrator (audit-logged)."""
    user = db.get_or_404(User, user_id)
    return _archive_response(user)


def _preview(user: User) -> tuple[erasure.Erasure | None, str]:
    """What erasing ``user`` would do (the real erasure, in a savepoint rolled back), or why
    it is refused."""
    savepoint = db.session.begin_nested()
    try:
        return erasure.erase_person(db.session, user, erased_by=current_user, now=utcnow()), ""
    except erasure.ErasureRefused as error:
        return None, translated(error)
    finally:
        savepoint.rollback()
        db.session.expire_all()


def _confirmation(user: User, form: EraseForm, status: int = 200):
    preview, refusal = _preview(user)
    return render_template(
        "privacy/erase.html", person=user, form=form, preview=preview, refusal=refusal
    ), status


@bp.route("/admin/users/<int:user_id>/erase", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def erase_user(user_id: int):
    """Erase a person: what will be deleted and kept, confirmed by typing their address; then,
    once, what each external LRS holds about them (never cached, never stored)."""
    response = make_response(_erase_user(user_id))
    response.headers["Cache-Control"] = "no-store"
    return response


def _erase_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EraseForm()
    if request.method == "GET":
        return _confirmation(user, form)
    if not form.validate_on_submit():
        return _confirmation(user, form, 400)
    if form.email.data.strip().lower() != user.email.lower():
        form.email.errors.append(_("This is not the address of the person to erase."))
        return _confirmation(user, form, 400)
    former_name = user.display_name
    try:
        done = erasure.erase_person(db.session, user, erased_by=current_user, now=utcnow())
    except erasure.ErasureRefused as error:
        db.session.rollback()
        form.email.errors.append(translated(error))
        return _confirmation(user, form, 400)
    db.session.commit()
    done.delete_files(Path(current_app.config["UPLOAD_DIR"]))
    agents = erasure.lrs_instructions(done, current_app.config)
    download = "data:application/json;charset=utf-8," + quote(
        json.dumps({"person": user_id, "lrs": agents}, ensure_ascii=False, indent=1)
    )
    return render_template(
        "privacy/erased.html",
        erasure=done,
        former_name=former_name,
        agents=agents,
        download=download,
    )

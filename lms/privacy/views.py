"""The privacy notice (public, linked from every page), its acknowledgement, each person's
archive of their data, and what an administrator does for any person."""

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from lms import completion_document
from lms.access import personal_data, public, roles_required
from lms.auth.models import Role, User
from lms.competence import record
from lms.extensions import db
from lms.formats import current_language
from lms.privacy import archive
from lms.privacy import notice as notice_facts
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

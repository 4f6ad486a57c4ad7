"""Administration: users, cohorts and their members, CSV import of coaches."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import roles_required
from lms.admin.forms import CohortForm, ImportForm, MemberForm, UserForm, UserStatusForm
from lms.auth import queries, service
from lms.auth.models import Cohort, User
from lms.auth.policy import Role, visible_cohorts
from lms.extensions import db
from lms.i18n import N_

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _rendered(template: str, **context):
    status = 400 if request.method == "POST" else 200
    return render_template(template, **context), status


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    users = queries.search_users(db.session, request.args.get("q", ""), request.args.get("role"))
    cohorts = visible_cohorts(db.session, current_user)
    return render_template("admin/index.html", users=users, cohorts=cohorts)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = service.create_user(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                role=form.role.data,
                language=form.language.data,
                password=form.password.data or None,
            )
        except service.AccountError as error:
            form[error.field].errors.append(_(error.msgid, **error.params))
        else:
            db.session.commit()
            flash(_("Account created for %(email)s.", email=user.email), "info")
            return redirect(url_for("admin.index"))
    return _rendered("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@roles_required(Role.ADMIN)
def user_status(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserStatusForm()
    if not form.validate_on_submit():
        abort(400)
    service.set_active(user, form.active.data)
    db.session.commit()
    flash(_("Account of %(email)s updated.", email=user.email), "info")
    return redirect(url_for("admin.index"))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_cohort():
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = service.create_cohort(db.session, form.name.data)
        except service.AccountError as error:
            form.name.errors.append(_(error.msgid, **error.params))
        else:
            db.session.commit()
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    return _rendered("admin/cohort_form.html", form=form)


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    form = MemberForm()
    if form.validate_on_submit():
        user = queries.get_user_by_email(db.session, form.email.data)
        try:
            if user is None:
                raise service.AccountError(N_("No account for this email."), "email")
            if form.as_role.data == Role.TRAINER:
                service.assign_trainer(cohort, user)
            else:
                service.enrol_coach(cohort, user)
        except service.AccountError as error:
            form.email.errors.append(_(error.msgid, **error.params))
        else:
            db.session.commit()
            flash(_("%(name)s added to the cohort.", name=user.display_name), "info")
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    return _rendered("admin/cohort.html", cohort=cohort, form=form)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_coaches():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            form.file.errors.append(_("The file is not UTF-8 text."))
        else:
            report = service.import_coaches_csv(db.session, text)
            if report.ok:
                db.session.commit()
                flash(
                    _(
                        "%(created)d account(s) created, %(enrolled)d enrolment(s).",
                        created=len(report.created),
                        enrolled=len(report.enrolled),
                    ),
                    "info",
                )
                return redirect(url_for("admin.index"))
            db.session.rollback()
    return _rendered("admin/import.html", form=form, report=report)

"""Administration: users, cohorts and their members, import of coaches (CSV or Excel), LRS
endpoints and dead letters."""

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms import params, spreadsheets
from lms.access import roles_required
from lms.admin.forms import (
    ROLE_CHOICES,
    AuditArguments,
    CohortForm,
    ContentLoadForm,
    EndpointArguments,
    EndpointForm,
    GiftForm,
    ImportForm,
    IssuerForm,
    MemberForm,
    RetryForm,
    UserForm,
    UserStatusForm,
)
from lms.auth import audit, links, mails, queries, service, tabular
from lms.auth.models import Cohort, User
from lms.auth.policy import Role, visible_cohorts
from lms.catalog import queries as catalog_queries
from lms.catalog import service as catalog_service
from lms.catalog.validation import validate_tree
from lms.credentials import service as credentials
from lms.extensions import db
from lms.formats import localised, translated
from lms.i18n import N_
from lms.quiz import gift
from lms.quiz import gift_import as gift_import_service
from lms.xapi import endpoints, forwarder
from lms.xapi import queries as xapi_queries
from lms.xapi.models import Endpoint
from lms.xapi.outbox import normalise_uuid

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _rendered(template: str, **context):
    status = 400 if request.method == "POST" else 200
    return render_template(template, **context), status


class _UserSearch(params.Arguments):
    q = params.Text(size=200, load_default="")
    role = params.Text(size=20, load_default=None)


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    search = params.read(_UserSearch(), request.args)
    users = queries.search_users(db.session, search["q"], search["role"])
    cohorts = visible_cohorts(db.session, current_user)
    return render_template(
        "admin/index.html", users=users, cohorts=cohorts, role_labels=dict(ROLE_CHOICES)
    )


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
            )
        except service.AccountError as error:
            form[error.field].errors.append(translated(error))
        else:
            _audit("user.created", user, role=user.role)
            db.session.commit()
            flash(_("Account created for %(email)s.", email=user.email), "info")
            _invite([user])
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
    if not user.active:
        service.end_sessions(db.session, user)
    _audit("user.status_changed", user, active=user.active)
    db.session.commit()
    flash(_("Account of %(email)s updated.", email=user.email), "info")
    return redirect(url_for("admin.index"))


def _audit(action: str, user: User, **detail) -> None:
    audit.record(
        db.session, action, actor=current_user, subject=f"user:{user.id} {user.email}",
        ip=request.remote_addr or "", detail=detail,
    )  # fmt: skip


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    """The audit log, newest first, filtered by action, e-mail and period; 50 per page."""
    args = params.read(AuditArguments(), request.args)
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    since, until = (
        datetime.combine(day + timedelta(days=shift), time.min, tzinfo=zone)
        if day is not None
        else None
        for day, shift in ((args["since"], 0), (args["until"], 1))
    )
    how = audit.AuditFilter(
        action=args["action"] if args["action"] in audit.ACTIONS else "",
        actor=args["actor"],
        since=since,
        until=until,
        before_id=args["before"],
    )
    events = audit.events(db.session, how)
    filters = {key: value for key, value in request.args.items() if key != "before"}
    next_before = events[-1].id if len(events) == audit.PAGE_SIZE else None
    return render_template(
        "admin/audit.html", events=events, how=how, actions=audit.ACTIONS, filters=filters,
        next_before=next_before,
    )  # fmt: skip


def _invite(users: list[User]) -> None:
    """Send each new account its invitation, after the accounts are committed."""
    refused = [user.email for user in users if not mails.send_password_link(user, links.INVITATION)]
    db.session.commit()
    sent = len(users) - len(refused)
    if sent:
        flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", sent), "info")
    if refused:
        flash(
            _(
                "The mail server refused the invitation of %(emails)s: resend it from the list "
                "of accounts.",
                emails=", ".join(refused),
            ),
            "error",
        )


@bp.route("/users/<int:user_id>/link", methods=["POST"])
@roles_required(Role.ADMIN)
def send_link(user_id: int):
    """Send an account an invitation (never accepted) or a reset link; no password is shown."""
    user = db.session.get(User, user_id) or abort(404)
    form = UserStatusForm()
    if not form.validate_on_submit() or not user.active:
        abort(400)
    purpose = links.INVITATION if links.needs_invitation(user) else links.RESET
    if mails.send_password_link(user, purpose):
        db.session.commit()
        if purpose == links.INVITATION:
            flash(_("Invitation sent again to %(email)s.", email=user.email), "info")
        else:
            flash(
                _("A link to choose a new password was sent to %(email)s.", email=user.email),
                "info",
            )
    else:
        flash(_("The mail server refused the message to %(email)s.", email=user.email), "error")
    return redirect(url_for("admin.index", q=request.args.get("q", "")))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_cohort():
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = service.create_cohort(db.session, form.name.data)
        except service.AccountError as error:
            form.name.errors.append(translated(error))
        else:
            db.session.commit()
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    return _rendered("admin/cohort_form.html", form=form)


@bp.route("/credentials", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def credential_issuer():
    """The issuer profile of the Open Badges credentials (credentials signed before keep the
    profile they were signed with)."""
    profile = credentials.issuer_profile(db.session)
    form = IssuerForm(obj=profile)
    if form.validate_on_submit():
        fields = ("name", "url", "email", "description", "image_url")
        credentials.save_issuer_profile(db.session, **{f: getattr(form, f).data for f in fields})
        audit.record(
            db.session, "credentials.issuer_changed", actor=current_user, subject="issuer",
            ip=request.remote_addr or "",
        )  # fmt: skip
        db.session.commit()
        flash(_("The issuer profile is saved."), "success")
        return redirect(url_for("admin.credential_issuer"))
    settings = credentials.settings_from(current_app.config)
    issuer = credentials.issuer(db.session, settings)
    return _rendered("admin/credentials.html", form=form, issuer=issuer)


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    form = MemberForm()
    if form.validate_on_submit():
        added, problems = service.add_members(
            db.session, cohort, form.emails.data, form.as_role.data
        )
        if problems:
            db.session.rollback()
            form.emails.errors.extend(translated(problem) for problem in problems)
        else:
            db.session.commit()
            names = ", ".join(user.display_name for user in added)
            flash(
                ngettext(
                    "%(num)d member added: %(names)s.",
                    "%(num)d members added: %(names)s.",
                    len(added),
                    names=names,
                ),
                "info",
            )
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    return _rendered("admin/cohort.html", cohort=cohort, form=form)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_coaches():
    form = ImportForm()
    report = table = None
    if form.validate_on_submit():
        try:
            table = tabular.read_table(form.file.data.read(), form.file.data.filename or "")
        except tabular.TableError as error:
            form.file.errors.append(translated(error))
        else:
            report = service.import_coaches(db.session, table.header, table.rows)
            if report.ok:
                audit.record(
                    db.session, "accounts.imported", actor=current_user, ip=request.remote_addr,
                    detail={"created": len(report.created), "enrolled": len(report.enrolled)},
                )  # fmt: skip
                db.session.commit()
                created, enrolled = len(report.created), len(report.enrolled)
                flash(
                    ngettext("%(num)d account created", "%(num)d accounts created", created)
                    + ", "
                    + ngettext("%(num)d enrolment.", "%(num)d enrolments.", enrolled),
                    "info",
                )
                _invite(queries.users_by_email(db.session, report.created))
                return redirect(url_for("admin.index"))
            db.session.rollback()
    return _rendered("admin/import.html", form=form, report=report, table=table)


@bp.get("/import/template.<any(csv, xlsx):extension>")
@roles_required(Role.ADMIN)
def import_template(extension: str):
    """A file to fill in: the header in the page's language and one example line."""
    cohorts = visible_cohorts(db.session, current_user)
    example_cohort = cohorts[0].name if cohorts else _("Lyon 2027")
    rows = [
        [_("email"), _("name"), _("language"), _("cohort")],
        ["lea.martin@example.org", "Léa Martin", "fr", example_cohort],
    ]
    respond = spreadsheets.csv_response if extension == "csv" else spreadsheets.xlsx_response
    return respond(rows, _("coaches") + "." + extension)


# -- LRS endpoints and dead letters ------------------------------------------------------------


def _endpoint_messages() -> dict[str, str]:
    return {
        "reserved": _("This name is reserved for the endpoint set by LMS_LRS_URL."),
        "duplicate": _("An endpoint with this name already exists."),
        "url": _("Enter an http:// or https:// address."),
        "scope": _("Choose what to send."),
        "actor_identity": _("Choose how people are identified."),
        "not_editable": _("This endpoint cannot be edited here."),
    }


def _xapi_page(form: EndpointForm, status: int = 200):
    session = db.session
    page = render_template(
        "admin/xapi.html",
        form=form,
        endpoints=xapi_queries.endpoints(session),
        counts=xapi_queries.delivery_counts(session),
        dead=xapi_queries.dead_letters(session),
        retry_form=RetryForm(),
    )
    return page, status


@bp.get("/xapi")
@roles_required(Role.ADMIN)
def xapi_endpoints():
    """LRS endpoints with their delivery counts, the endpoint form, the dead letters."""
    form = EndpointForm()
    editing = params.read(EndpointArguments(), request.args)["edit"]
    endpoint = db.session.get(Endpoint, editing) if editing else None
    if endpoint is not None and endpoint.source == "admin":
        form = EndpointForm(obj=endpoint, endpoint_id=endpoint.id)
        form.password.data = ""
    return _xapi_page(form)


@bp.post("/xapi/endpoints")
@roles_required(Role.ADMIN)
def save_endpoint():
    """Create or update an endpoint."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _xapi_page(form, 400)
    try:
        endpoint = endpoints.save_endpoint(
            db.session,
            endpoint_id=form.endpoint_id.data,
            name=form.name.data,
            url=form.url.data,
            username=form.username.data or "",
            password=form.password.data or "",
            scope=form.scope.data,
            active=form.active.data,
            actor_identity=form.actor_identity.data,
        )
    except (endpoints.EndpointError, ValueError) as error:
        db.session.rollback()
        code = getattr(error, "code", "not_editable")
        field = getattr(error, "field", "name")
        form[field].errors = [*form[field].errors, _endpoint_messages()[code]]
        return _xapi_page(form, 400)
    db.session.commit()
    flash(_("Endpoint %(name)s saved.", name=endpoint.name), "info")
    return redirect(url_for("admin.xapi_endpoints"))


@bp.post("/xapi/dead-letters/retry")
@roles_required(Role.ADMIN)
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
    flash(
        ngettext(
            "%(num)d statement will be sent again.", "%(num)d statements will be sent again.", count
        ),
        "info",
    )
    return redirect(url_for("admin.xapi_endpoints"))


# -- content -----------------------------------------------------------------------------------


KIND_LABELS = {
    "competences": N_("Competences"),
    "units": N_("Units"),
    "skills": N_("Skills"),
    "modules": N_("Modules"),
    "lessons": N_("Lessons"),
    "quizzes": N_("Quizzes"),
    "questions": N_("Questions"),
}


def _content_report():
    root = Path(current_app.config["CONTENT_ROOT"])
    return validate_tree(root, question_types=current_app.extensions["lms.question_types"])


@bp.route("/content")
@roles_required(Role.ADMIN)
def content():
    """The validator's report on the content on disk, and what loading it would change."""
    report = _content_report()
    summary = catalog_service.preview_load(db.session, report) if report.ok else None
    db.session.rollback()
    return render_template(
        "admin/content.html",
        report=report,
        summary=summary,
        form=ContentLoadForm(),
        KIND_LABELS=KIND_LABELS,
    )


@bp.route("/content/load", methods=["POST"])
@roles_required(Role.ADMIN)
def load_content():
    form = ContentLoadForm()
    report = _content_report()
    if not form.validate_on_submit() or not report.ok:
        flash(_("The content has errors: nothing was loaded."), "error")
        return render_template("admin/content.html", report=report, summary=None, form=form), 400
    summary = catalog_service.load_content(db.session, report)
    _record("content.loaded", "content", changed=summary.changed)
    db.session.commit()
    flash(_("Content loaded.") if summary.changed else _("The content was already loaded."), "info")
    return redirect(url_for("admin.content"))


def _record(action: str, subject: str, **detail) -> None:
    audit.record(
        db.session, action, actor=current_user, subject=subject, ip=request.remote_addr or "",
        detail=detail,
    )  # fmt: skip


def _gift_text(form: GiftForm) -> str | None:
    """The previewed text on import, else the uploaded file's; None (and an error) otherwise."""
    if "import" in request.form and form.text.data:
        return form.text.data
    upload = form.file.data
    if not upload or not upload.filename:
        form.file.errors.append(_("Choose a GIFT file."))
        return None
    form.filename.data = upload.filename
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors.append(
            _("This file is not UTF-8 text: save it again as UTF-8 (the usual export of Moodle).")
        )
        return None


@bp.route("/gift", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def gift_import():
    """A GIFT file into a module's bank: a preview and a dry run first, then the import."""
    form = GiftForm()
    form.module.choices = [
        (module.code, f"{module.code} — {localised(module.title)}")
        for module in catalog_queries.modules(db.session)
    ]
    result = summary = None
    rows: list[dict] = []
    errors: list[str] = []
    text = _gift_text(form) if form.validate_on_submit() else None
    if text is not None:
        form.text.data = text
        result = gift.parse_gift(text, lang=form.language.data)
        rows = gift_import_service.preview(result, form.language.data)
        source = f"GIFT import: {form.filename.data or 'gift'}"
        questions = [
            gift_import_service.for_bank(q, form.module.data, source) for q in result.questions
        ]
        importing = "import" in request.form
        savepoint = None if importing else db.session.begin_nested()
        try:
            summary = gift_import_service.import_gift(
                db.session, form.module.data, questions, source=form.filename.data or "gift"
            )
        except catalog_service.ContentInvalid as invalid:
            errors = gift_import_service.located_errors(
                invalid, result, form.filename.data or "gift"
            )
        finally:
            if savepoint is not None:
                savepoint.rollback()
        if importing and not errors and questions:
            counts = summary.counts["questions"]
            _record("questions.imported", f"module:{form.module.data}", count=len(questions))
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d question imported into %(module)s: %(new)d new, %(versions)d new "
                    "versions, %(same)d unchanged.",
                    "%(num)d questions imported into %(module)s: %(new)d new, %(versions)d new "
                    "versions, %(same)d unchanged.",
                    len(questions),
                    module=form.module.data,
                    new=counts.created,
                    versions=counts.new_versions,
                    same=counts.unchanged,
                ),
                "info",
            )
            return redirect(url_for("admin.gift_import"))
        db.session.rollback()
    status = 400 if request.method == "POST" and (errors or not result) else 200
    return render_template(
        "admin/gift.html",
        form=form,
        result=result,
        rows=rows,
        errors=errors,
        summary=summary if not errors else None,
    ), status

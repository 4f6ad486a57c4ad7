"""Trainer pages: cohort matrix, coach drill-down, grading, decision, records, quiz statistics."""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from lms import completion_document as record_document
from lms import params, spreadsheets
from lms.access import personal_data, public, roles_required
from lms.auth import audit
from lms.auth.models import Cohort, User
from lms.auth.policy import (
    REVIEWERS,
    Role,
    can_see,
    can_see_cohort,
    visible_coaches,
    visible_cohorts,
)
from lms.catalog import queries as catalog
from lms.competence import evidence, queries, record, service
from lms.competence.models import Decision
from lms.credentials import service as credentials
from lms.extensions import db
from lms.formats import current_language, localised, modality, translated
from lms.live import queries as live_queries
from lms.quiz import queries as quiz_queries
from lms.quiz import statistics
from lms.timeutil import utcnow
from lms.trainer import exports
from lms.trainer.chart import distribution_chart
from lms.trainer.forms import (
    BulkDecisionArguments,
    BulkDecisionForm,
    DecisionForm,
    GradeForm,
    MatrixArguments,
    PeriodArguments,
    RevokeForm,
    levels_from,
)
from lms.trainer.labels import (
    DECISION_LABELS,
    PROPOSED_LABELS,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    VERB_LABELS,
    level_descriptor,
)
from lms.vocabulary import MODALITIES
from lms.xapi import outbox
from lms.xapi.statements import XapiConfig

bp = Blueprint("trainer", __name__, url_prefix="/trainer")
PAGE_SIZE = 100
INACTIVE_DAYS = 14


@bp.context_processor
def _labels() -> dict:
    return {
        "format_date": format_date,
        "format_datetime": format_datetime,
        "STATUS_LABELS": STATUS_LABELS,
        "STATUS_SYMBOLS": STATUS_SYMBOLS,
        "DECISION_LABELS": DECISION_LABELS,
        "PROPOSED_LABELS": PROPOSED_LABELS,
        "VERB_LABELS": VERB_LABELS,
        "level_descriptor": level_descriptor,
    }


def _audit(action: str, subject: str, **detail) -> None:
    audit.record(
        db.session, action, actor=current_user, subject=subject, ip=request.remote_addr or "",
        detail=detail,
    )  # fmt: skip


def xapi_config() -> XapiConfig:
    return outbox.config_from(current_app.config)


def _cohort(cohort_id: int) -> Cohort:
    """The cohort if the reviewer may see it: 404 when unknown, 403 when not theirs."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not can_see_cohort(db.session, current_user, cohort_id):
        abort(403)
    return cohort


def _coach(user_id: int) -> User:
    coach = db.session.get(User, user_id)
    if coach is None or coach.role != Role.COACH:
        abort(404)
    if not can_see(db.session, current_user, coach):
        abort(403)
    return coach


def _matrix_filter() -> queries.MatrixFilter:
    args = params.read(MatrixArguments(), request.args)
    return queries.MatrixFilter(
        search=args["q"],
        status=args["status"] if args["status"] in STATUS_LABELS else "",
        unit=args["unit"],
        inactive_days=args["inactive"],
        sort=args["sort"],
        descending=args["order"] == "desc",
    )


# -- cohorts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortToDo:
    cohort: Cohort
    decisions: int  # units whose evidence suffices and that wait for a trainer's decision
    inactive: int  # coaches without activity for INACTIVE_DAYS


def _to_do(cohort: Cohort) -> CohortToDo:
    since = utcnow() - timedelta(days=INACTIVE_DAYS)
    summary = queries.cohort_summary(db.session, cohort.id, inactive_since=since)
    return CohortToDo(cohort, decisions=summary.decisions, inactive=summary.inactive)


@bp.route("/")
@roles_required(*REVIEWERS)
def index():
    """What needs action: answers to grade, decisions to take, inactive coaches; each a link."""
    cohorts = visible_cohorts(db.session, current_user)
    found = (
        queries.search_coaches(db.session, current_user, request.args["q"])
        if request.args.get("q")
        else None
    )
    return render_template(
        "trainer/index.html",
        to_grade=queries.grading_count(db.session, current_user),
        to_do=[_to_do(cohort) for cohort in cohorts],
        inactive_days=INACTIVE_DAYS,
        found=found,
    )


@bp.route("/cohorts/<int:cohort_id>")
@roles_required(*REVIEWERS)
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    how = _matrix_filter()
    page = params.read(MatrixArguments(), request.args)["page"]
    matrix = queries.cohort_page(db.session, cohort.id, how, page=page, page_size=PAGE_SIZE)
    return render_template(
        "trainer/cohort.html",
        cohort=cohort,
        matrix=matrix,
        how=how,
        chart=distribution_chart(matrix.distribution),
    )


SPREADSHEET_RESPONSES = {"csv": spreadsheets.csv_response, "xlsx": spreadsheets.xlsx_response}


def _matrix_file(cohort_id: int, kind: str):
    """The matrix as shown (same filter), as CSV or as an XLSX workbook with the same columns."""
    cohort = _cohort(cohort_id)
    matrix = queries.cohort_matrix(db.session, cohort.id, _matrix_filter())
    return SPREADSHEET_RESPONSES[kind](
        exports.matrix_rows(matrix), f"cohort-{cohort.id}-matrix.{kind}"
    )


@bp.route("/cohorts/<int:cohort_id>/matrix.csv")
@roles_required(*REVIEWERS)
@personal_data
def cohort_csv(cohort_id: int):
    return _matrix_file(cohort_id, "csv")


@bp.route("/cohorts/<int:cohort_id>/matrix.xlsx")
@roles_required(*REVIEWERS)
@personal_data
def cohort_xlsx(cohort_id: int):
    return _matrix_file(cohort_id, "xlsx")


def _completions_file(cohort_id: int, kind: str):
    """Completion records of a cohort over a period (?since=YYYY-MM-DD&until=YYYY-MM-DD)."""
    cohort = _cohort(cohort_id)
    since, until = _period(request.args)
    lines = queries.completion_lines(db.session, queries.cohort_coach_ids(cohort.id), since, until)
    return SPREADSHEET_RESPONSES[kind](
        exports.completion_rows(lines), f"cohort-{cohort.id}-completion-records.{kind}"
    )


@bp.route("/cohorts/<int:cohort_id>/completions.csv")
@roles_required(*REVIEWERS)
@personal_data
def completions_csv(cohort_id: int):
    return _completions_file(cohort_id, "csv")


@bp.route("/cohorts/<int:cohort_id>/completions.xlsx")
@roles_required(*REVIEWERS)
@personal_data
def completions_xlsx(cohort_id: int):
    return _completions_file(cohort_id, "xlsx")


def _period(args) -> tuple[datetime | None, datetime | None]:
    """Inclusive calendar days in the centre's time zone; a malformed date is a 400."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    days = params.read(PeriodArguments(), args)
    bounds = []
    for key, shift in (("since", 0), ("until", 1)):
        day = days.get(key)
        if day is None:
            bounds.append(None)
            continue
        start = datetime.combine(day + timedelta(days=shift), time.min, tzinfo=zone)
        bounds.append(start.astimezone(UTC))
    return bounds[0], bounds[1]


@bp.route("/cohorts/<int:cohort_id>/bulk-decision", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def bulk_decision(cohort_id: int):
    cohort = _cohort(cohort_id)
    live_session_id = params.read(BulkDecisionArguments(), request.args)["session"]
    if live_session_id is not None:
        live = live_queries.live_session(db.session, live_session_id)
        if live is None or live.cohort_id != cohort.id:  # another cohort's session: not this
            abort(404)
    form = BulkDecisionForm()
    units = catalog.modules(db.session)
    form.unit.choices = [(m.code, f"{m.code} · {localised(m.title)}") for m in units]
    form.modality.choices = [(key, modality(key)) for key in MODALITIES]
    coaches = list(cohort.coaches)
    attended = live_queries.attendees(db.session, live_session_id) if live_session_id else set()
    if form.validate_on_submit():
        chosen = set(params.read(BulkDecisionArguments(), request.form)["coach"])
        try:
            result = service.decide_for_many(
                db.session,
                coaches=[c for c in coaches if c.id in chosen],
                unit_code=form.unit.data,
                modality=form.modality.data,
                validated=form.decision.data == "validated",
                decided_by=current_user,
                xapi=xapi_config(),
                live_session_id=live_session_id,
                note=form.note.data or "",
            )
        except service.DecisionError as error:
            form.modality.errors.append(translated(error))
        else:
            _audit(
                "decision.recorded", f"unit:{form.unit.data}", cohort=cohort.id,
                coaches=len(result.decided), live_session=live_session_id,
            )  # fmt: skip
            db.session.commit()
            flash(
                _(
                    "Decisions recorded: %(done)d. Coaches skipped: %(skipped)d.",
                    done=len(result.decided),
                    skipped=len(result.skipped),
                ),
                "info",
            )
            return redirect(url_for("trainer.cohort", cohort_id=cohort.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "trainer/bulk_decision.html",
        cohort=cohort,
        form=form,
        coaches=coaches,
        attended=attended,
        live_session_id=live_session_id,
    ), status


# -- one coach ---------------------------------------------------------------------------------


@bp.route("/coaches/<int:user_id>")
@roles_required(*REVIEWERS)
def coach(user_id: int):
    coach = _coach(user_id)
    units, competences = queries.framework_columns(db.session)
    entries = queries.timeline(db.session, coach.id)
    return render_template(
        "trainer/coach.html",
        coach=coach,
        units=units,
        competences=competences,
        cells=queries.coach_cells(db.session, coach.id, units),
        skills=queries.skill_results(db.session, coach.id),
        skill_labels=catalog.skills_by_code(db.session),
        attempts=queries.coach_attempts(db.session, coach.id),
        decisions=queries.decision_history(db.session, coach.id),
        cohorts=queries.cohorts_of_coach(db.session, coach.id),
        timeline=entries,
        lessons=queries.lessons_done(entries),
        sessions=queries.sessions_attended(entries),
        revoke_form=RevokeForm(),
    )


# -- grading -----------------------------------------------------------------------------------


@bp.route("/grading")
@roles_required(*REVIEWERS)
def grading_queue():
    items = queries.grading_queue(db.session, current_user)
    return render_template("trainer/grading_queue.html", items=items)


@bp.route("/grading/<int:slot_id>", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def grade(slot_id: int):
    slot = queries.slot_for_grading(db.session, slot_id) or abort(404)
    coach = _coach(slot.attempt.user_id)
    module = service.module_for_unit(db.session, slot.attempt.module_code)
    grid = service.rubric_for(module, slot.question_version.definition)
    form = GradeForm()
    grid_errors: list[str] = []
    if form.validate_on_submit():
        try:
            service.grade_answer(
                db.session,
                slot,
                grader=current_user,
                xapi=xapi_config(),
                levels=levels_from(request.form, grid.get("criteria") or []),
                percent=form.percent.data,
                comment=form.comment.data or "",
            )
        except service.DecisionError as error:
            grid_errors.append(translated(error))
        else:
            _audit("attempt.graded", f"slot:{slot.id} attempt:{slot.attempt_id}", coach=coach.email)
            db.session.commit()
            flash(_("Grade saved for %(name)s.", name=coach.display_name), "info")
            following = (
                queries.next_to_grade(db.session, current_user, slot.id)
                if "save_next" in request.form
                else None
            )
            if following is not None:
                return redirect(url_for("trainer.grade", slot_id=following))
            return redirect(url_for("trainer.grading_queue"))
    graders = queries.graders_by_id(db.session, [g.grader_id for g in slot.grades])
    status = 400 if request.method == "POST" else 200
    return render_template(
        "trainer/grade.html",
        slot=slot,
        coach=coach,
        module=module,
        grid=grid,
        form=form,
        graders=graders,
        chosen=levels_from(request.form, grid.get("criteria") or []),
        grid_errors=grid_errors,
        waiting=queries.grading_count(db.session, current_user),
    ), status


# -- decision --------------------------------------------------------------------------------


@bp.route("/coaches/<int:user_id>/units/<unit_code>/decision", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def decide(user_id: int, unit_code: str):
    coach = _coach(user_id)
    module = catalog.module_by_code(db.session, unit_code) or abort(404)
    grid = service.evaluation_grid(module)
    form = DecisionForm()
    form.modality.choices = [(m, modality(m)) for m in service.allowed_modalities(module)]
    proposed = queries.latest_submitted_attempt(db.session, coach.id, module.code)
    if form.validate_on_submit() and _record_decision(form, coach, module, grid, proposed):
        _audit(
            "decision.recorded", f"unit:{module.code}", coach=coach.email,
            decision=form.decision.data, modality=form.modality.data,
        )  # fmt: skip
        db.session.commit()
        flash(_("Decision recorded for %(name)s.", name=coach.display_name), "info")
        return redirect(url_for("trainer.coach", user_id=coach.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "trainer/decide.html",
        coach=coach,
        module=module,
        grid=grid,
        form=form,
        proposed=proposed,
        history=queries.decision_history(db.session, coach.id, module.code),
        standing=service.standing_decision(db.session, coach.id, module.code),
        chosen=levels_from(request.form, grid.get("criteria") or []),
    ), status


def _record_decision(form, coach, module, grid, proposed) -> bool:
    """Store the attachment, then record the decision; False (errors on the form) otherwise."""
    upload = form.attachment.data
    stored = None
    try:
        if upload and upload.filename:
            stored = evidence.store(
                Path(current_app.config["UPLOAD_DIR"]), upload.filename, upload.read()
            )
        levels = levels_from(request.form, grid.get("criteria") or [])
        service.decide(
            db.session,
            coach=coach,
            unit_code=module.code,
            modality=form.modality.data,
            validated=form.decision.data == "validated",
            decided_by=current_user,
            xapi=xapi_config(),
            rubric=levels or None,
            note=form.note.data or "",
            attachment=stored,
            attempt=proposed if form.modality.data == "quiz" else None,
        )
    except evidence.EvidenceError as error:
        form.attachment.errors.append(translated(error))
        return False
    except service.DecisionError as error:
        form.decision.errors.append(translated(error))
        if stored is not None:  # nothing refers to it
            evidence.resolve(Path(current_app.config["UPLOAD_DIR"]), stored.path).unlink()
        return False
    return True


@bp.route("/decisions/<int:decision_id>/revoke", methods=["POST"])
@roles_required(*REVIEWERS)
def revoke_decision(decision_id: int):
    decision = db.session.get(Decision, decision_id) or abort(404)
    coach = _coach(decision.coach_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to revoke a decision."), "error")
        return redirect(url_for("trainer.coach", user_id=coach.id))
    try:
        service.revoke_decision(
            db.session,
            decision,
            revoked_by=current_user,
            xapi=xapi_config(),
            reason=form.reason.data,
        )
    except service.DecisionError as error:
        flash(translated(error), "error")
    else:
        _audit("decision.revoked", f"decision:{decision.id}", coach=coach.email)
        db.session.commit()
        flash(_("Decision revoked; the history keeps it."), "info")
    return redirect(url_for("trainer.coach", user_id=coach.id))


@bp.route("/decisions/<int:decision_id>/attachment")
@roles_required(*REVIEWERS)
@personal_data
def attachment(decision_id: int):
    decision = db.session.get(Decision, decision_id) or abort(404)
    _coach(decision.coach_id)
    if not decision.attachment_path:
        abort(404)
    if decision.attachment_deleted_at is not None:
        deleted = format_date(decision.attachment_deleted_at, "medium")
        abort(410, _("File deleted on %(date)s (retention period).", date=deleted))
    try:
        path = evidence.resolve(Path(current_app.config["UPLOAD_DIR"]), decision.attachment_path)
    except evidence.EvidenceError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=evidence.MIMETYPES[decision.attachment_type],
        as_attachment=True,
        download_name=decision.attachment_name or path.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- completion records ------------------------------------------------------------------------


def _record_language() -> str:
    language = request.args.get("lang", "")
    return language if language in ("fr", "en") else current_language()


def _issued_record(coach):
    data = record.completion_record(db.session, coach)
    db.session.commit()  # a verification code issued for a new set of decisions
    return data


@bp.route("/coaches/<int:user_id>/record")
@roles_required(*REVIEWERS)
@personal_data
def record_page(user_id: int):
    coach = _coach(user_id)
    data = _issued_record(coach)
    language = _record_language()
    with force_locale(language):
        return render_template("trainer/record.html", record=data, coach=coach, language=language)


@bp.route("/coaches/<int:user_id>/record.pdf")
@roles_required(*REVIEWERS)
@personal_data
def record_pdf(user_id: int):
    coach = _coach(user_id)
    data = _issued_record(coach)
    pdf = record_document.record_pdf(data, _record_language())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{record_document.record_filename(data)}"'
        },
    )


@bp.route("/cohorts/<int:cohort_id>/records.zip")
@roles_required(*REVIEWERS)
@personal_data
def cohort_records(cohort_id: int):
    cohort = _cohort(cohort_id)
    records = record.completion_records(db.session, list(cohort.coaches))
    settings = credentials.settings_from(current_app.config)
    badges = {
        badge: credentials.signed_document(db.session, badge, settings)
        for badge in credentials.standing_of(db.session, [coach.id for coach in cohort.coaches])
    }
    db.session.commit()
    language = _record_language()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for data in records:
            filename = record_document.record_filename(data)
            archive.writestr(filename, record_document.record_pdf(data, language))
            # Each coach's Open Badges credentials, beside the record, named the same way.
            stem = filename.removesuffix(".pdf")
            for badge, document in badges.items():
                if badge.coach_id == data.coach_id:
                    archive.writestr(
                        f"credentials/{stem}/{badge.kind}-{badge.code}.json",
                        json.dumps(document, ensure_ascii=False, indent=2),
                    )
    return Response(
        buffer.getvalue(),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort.id}-records.zip"'},
    )


@bp.route("/verify")
@public
def verify():
    code = request.args.get("code", "").strip()[:64]
    data = record.verify(db.session, code) if code else None
    badges = credentials.standing_of(db.session, [data.coach_id]) if data else []
    return render_template("trainer/verify.html", code=code, record=data, badges=badges)


# -- quiz statistics ---------------------------------------------------------------------------


@bp.route("/quizzes")
@roles_required(*REVIEWERS)
def quizzes():
    counts = queries.graded_attempt_counts(db.session, visible_coaches(current_user))
    modules = catalog.modules(db.session)
    return render_template("trainer/quizzes.html", modules=modules, counts=counts)


def _quiz_statistics(quiz_id: int):
    quiz = catalog.quiz_by_id(db.session, quiz_id) or abort(404)
    marks = quiz_queries.quiz_marks(db.session, quiz.id, visible_coaches(current_user))
    stats = statistics.compute_statistics(marks.marks, marks.max_marks, marks.question_ids)
    return quiz, marks, stats


@bp.route("/quizzes/<int:quiz_id>/statistics")
@roles_required(*REVIEWERS)
def quiz_statistics(quiz_id: int):
    quiz, marks, stats = _quiz_statistics(quiz_id)
    flags: dict[str, list] = {}
    for flag in statistics.flag_questions(stats):
        flags.setdefault(flag.question, []).append(flag)
    return render_template(
        "trainer/quiz_statistics.html", quiz=quiz, marks=marks, stats=stats, flags=flags
    )


@bp.route("/quizzes/<int:quiz_id>/statistics.csv")
@roles_required(*REVIEWERS)
def quiz_statistics_csv(quiz_id: int):
    quiz, _marks, stats = _quiz_statistics(quiz_id)
    return spreadsheets.csv_response(
        exports.statistics_rows(stats), f"quiz-{quiz.module_code}-statistics.csv"
    )

"""The coach's self-paced pages: catalogue, module, lesson, quiz, result, review, progress."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms import completion_document
from lms.access import personal_data, roles_required
from lms.auth.policy import Role
from lms.catalog.markdown import render_markdown
from lms.competence.record import completion_record
from lms.credentials import service as credentials
from lms.delivery import display, documents, forms, queries, service
from lms.extensions import db
from lms.formats import localised, translated
from lms.live import models as live_models
from lms.live import queries as live_queries
from lms.quiz import service as quiz_service
from lms.quiz import types
from lms.quiz.models import Attempt
from lms.timeutil import utcnow
from lms.xapi import outbox
from lms.xapi.statements import XapiConfig

bp = Blueprint("delivery", __name__)


def xapi_config() -> XapiConfig:
    return outbox.config_from(current_app.config)


@bp.app_template_filter("markdown")
def markdown_filter(value) -> str:
    return render_markdown(localised(value))


@bp.record_once
def _template_helpers(state) -> None:
    # Globals rather than a context processor: imported macros see globals, not the context.
    state.app.jinja_env.globals.update(
        choices=display.choices,
        in_answer_order=display.in_answer_order,
        describe=display.describe,
        parsed=display.parsed,
        correct_lines=display.correct_lines,
        ordered_lines=display.ordered_lines,
        live_state_label=live_state_label,
        live_phase_label=live_phase_label,
        now_utc=utcnow,
    )


def live_state_label(key: str) -> str:
    return _(live_models.STATE_LABELS[key]) if key in live_models.STATE_LABELS else key


def live_phase_label(key: str | None) -> str:
    return _(live_models.PHASE_LABELS[key]) if key in live_models.PHASE_LABELS else ""


@bp.app_template_global("coach_catalogue")
def coach_catalogue():
    """For the coach's home page: the modules by competence with progress, and live sessions."""
    if not current_user.is_authenticated or current_user.role != Role.COACH:
        return {"groups": [], "live": []}
    return {
        "groups": queries.catalogue(db.session, current_user),
        "live": live_queries.joinable_sessions(db.session, current_user),
    }


def _module_or_404(code: str):
    return queries.module_by_code(db.session, code) or abort(404)


def _own_attempt(attempt_id: int, *, with_slots: bool = True) -> Attempt:
    if with_slots:
        attempt = queries.attempt_with_slots(db.session, attempt_id)
    else:
        attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id:
        abort(403)
    return attempt


# --- catalogue, module, lesson ----------------------------------------------------------------


@bp.route("/modules/")
@roles_required()
def catalogue():
    groups = queries.catalogue(db.session, current_user)
    return render_template("delivery/catalogue.html", groups=groups)


@bp.route("/modules/<code>/")
@roles_required()
def module(code: str):
    module = _module_or_404(code)
    if current_user.role == Role.COACH:
        service.visit_module(db.session, user=current_user, module=module, xapi=xapi_config())
        db.session.commit()
    return render_template(
        "delivery/module.html",
        module=module,
        progress=queries.module_progress(db.session, current_user, module),
        lessons=queries.lessons(db.session, code),
        skills=queries.skills_by_code(db.session),
        done=queries.done_slugs(db.session, current_user.id, code),
        quiz=queries.quiz_for_module(db.session, code),
    )


def _lesson_context(code: str, slug: str) -> dict:
    module = _module_or_404(code)
    rows = queries.lessons(db.session, code)
    index = next((i for i, (lesson, _) in enumerate(rows) if lesson.slug == slug), None)
    if index is None:
        abort(404)
    return {
        "module": module,
        "lesson": rows[index][0],
        "version": rows[index][1],
        "previous": rows[index - 1] if index > 0 else None,
        "next": rows[index + 1] if index + 1 < len(rows) else None,
        "number": index + 1,
        "count": len(rows),
    }


@bp.route("/modules/<code>/lessons/<slug>")
@roles_required()
def lesson(code: str, slug: str):
    context = _lesson_context(code, slug)
    if current_user.role == Role.COACH:
        service.visit_module(
            db.session,
            user=current_user,
            module=context["module"],
            xapi=xapi_config(),
            lesson_slug=slug,
        )
        db.session.commit()
    done = slug in queries.done_slugs(db.session, current_user.id, code)
    lesson_documents = documents.for_lesson(context["module"], slug)
    return render_template("delivery/lesson.html", done=done, documents=lesson_documents, **context)


@bp.route("/modules/<code>/documents/<document>.<fmt>")
@roles_required()
def document(code: str, document: str, fmt: str):
    """A document of the module, as Markdown to edit or as a PDF (``?lang=fr|en``)."""
    module = _module_or_404(code)
    language = request.args.get("lang") or str(get_locale())
    if language not in ("fr", "en"):
        abort(400, description=_("Unknown language: choose fr or en."))
    if fmt not in documents.FORMATS:
        abort(404)
    found = documents.find(module, document, language) or abort(404)
    if fmt == "pdf":
        body: bytes | str = documents.pdf(module.code, found, language)
    else:
        body = found.source
    response = current_app.make_response(body)
    response.headers["Content-Type"] = documents.FORMATS[fmt]
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{documents.filename(module.code, found, language, fmt)}"'
    )
    return response


@bp.route("/modules/<code>/lessons/<slug>/done", methods=["POST"])
@roles_required(Role.COACH)
def lesson_done(code: str, slug: str):
    context = _lesson_context(code, slug)
    service.mark_lesson_done(
        db.session,
        user=current_user,
        module=context["module"],
        lesson=context["lesson"],
        version=context["version"],
        xapi=xapi_config(),
    )
    db.session.commit()
    flash(_("Lesson marked as done."), "info")
    if context["next"] is not None:
        return redirect(url_for(".lesson", code=code, slug=context["next"][0].slug))
    return redirect(url_for(".module", code=code, _anchor="quiz"))


# --- quiz -------------------------------------------------------------------------------------


def _quiz_or_404(code: str):
    return queries.quiz_for_module(db.session, code) or abort(404)


@bp.route("/modules/<code>/quiz")
@roles_required(Role.COACH)
def quiz(code: str):
    module, quiz = _module_or_404(code), _quiz_or_404(code)
    current = quiz_service.open_attempt(db.session, current_user, quiz)
    if current is not None and service.submit_if_overdue(db.session, current, xapi=xapi_config()):
        db.session.commit()
        current = None
    attempts = [
        a for a in queries.attempts_of(db.session, current_user.id, quiz.id) if not a.is_open
    ]
    return render_template(
        "delivery/quiz_start.html",
        module=module,
        quiz=quiz,
        current=current,
        attempts=attempts,
        quota=quiz_service.quota(db.session, current_user, quiz),
    )


@bp.route("/modules/<code>/quiz/start", methods=["POST"])
@roles_required(Role.COACH)
def start_quiz(code: str):
    quiz = _quiz_or_404(code)
    try:
        attempt = quiz_service.start(db.session, user=current_user, quiz=quiz, xapi=xapi_config())
    except quiz_service.AttemptError as error:
        db.session.rollback()
        flash(translated(error), "error")
        return redirect(url_for(".quiz", code=code))
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _closed_redirect(attempt: Attempt):
    """Where an attempt that cannot take answers any more sends the coach, or None."""
    if service.submit_if_overdue(db.session, attempt, xapi=xapi_config()):
        db.session.commit()
        flash(_("Time is up: your attempt was submitted with the answers saved in time."), "info")
        return redirect(url_for(".result", attempt_id=attempt.id))
    if not attempt.is_open:
        return redirect(url_for(".result", attempt_id=attempt.id))
    if attempt.live_session_id is not None:
        return redirect(url_for("coach_live.play", live_id=attempt.live_session_id))
    return None


def _pages(attempt: Attempt) -> list[list]:
    if attempt.settings.get("layout") == "all_on_one_page":
        return [list(attempt.slots)]
    return [[slot] for slot in attempt.slots]


def _render_attempt(attempt: Attempt, page: int, errors=None, sent=None):
    pages = _pages(attempt)
    page = min(max(page, 1), len(pages))
    return render_template(
        "delivery/attempt.html",
        attempt=attempt,
        slots=pages[page - 1],
        page=page,
        pages=len(pages),
        one_per_page=len(pages) > 1,
        errors=errors or {},
        sent=sent or {},
        module=queries.module_by_code(db.session, attempt.module_code),
        now=utcnow(),
    ), (400 if errors else 200)


@bp.route("/attempts/<int:attempt_id>")
@roles_required(Role.COACH)
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    page = forms.attempt_arguments(request.args)["page"]
    if "page" not in request.args:  # coming back to the attempt: where the coach left off
        page = _first_unanswered_page(attempt)
    return _closed_redirect(attempt) or _render_attempt(attempt, page)


def _first_unanswered_page(attempt: Attempt) -> int:
    """The page of the first question without an answer (the first page when all have one)."""
    for number, slots in enumerate(_pages(attempt), start=1):
        if any(slot.answer is None or display.is_blank(slot.answer.raw) for slot in slots):
            return number
    return 1


def _save_page(attempt: Attempt, slots, form=None):
    """Save the answers and flags the page sent; (errors, sent answers) or a redirect."""
    answers, flags = forms.page_answers(slots, request.form if form is None else form)
    try:
        errors = service.save_answers(db.session, attempt, slots, answers, flags)
    except quiz_service.AttemptError:
        db.session.rollback()
        if not attempt.is_open:  # submitted (another tab, the deadline) while this was sent
            flash(
                _("Your attempt was submitted before this answer arrived: it was not saved."),
                "error",
            )
        return _closed_redirect(attempt) or abort(409)
    get_locale()  # chosen now: after the commit it would read the coach's row again
    db.session.commit()
    return errors, answers


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@roles_required(Role.COACH)
def save_attempt(attempt_id: int):
    arguments = forms.attempt_arguments(request.form)  # a malformed form changes nothing
    attempt = _own_attempt(attempt_id)
    closed = _closed_redirect(attempt)
    form = forms.with_move(request.form, arguments["move"])
    saved = closed or _save_page(attempt, attempt.slots, form)
    if not isinstance(saved, tuple):
        return saved
    errors, answers = saved
    page, checked, target = (arguments[key] for key in ("page", "check", "goto"))
    if errors:
        return _render_attempt(attempt, page, errors, answers)
    if arguments["move"]:  # back to the list just reordered
        position = arguments["move"].partition(".")[0]
        return redirect(
            url_for(".attempt", attempt_id=attempt.id, page=page, _anchor=f"question-{position}")
        )
    if checked is not None:
        try:
            quiz_service.check_answer(db.session, attempt, checked, xapi=xapi_config())
        except quiz_service.AttemptError as error:
            db.session.rollback()
            flash(translated(error), "error")
        else:
            db.session.commit()
        return redirect(url_for(".attempt", attempt_id=attempt.id, page=page))
    if target == "timeout" and service.submit_at_deadline(db.session, attempt, xapi=xapi_config()):
        db.session.commit()
        flash(_("Time is up: your attempt was submitted with the answers saved in time."), "info")
        return redirect(url_for(".result", attempt_id=attempt.id))
    if target == "summary":
        return redirect(url_for(".summary", attempt_id=attempt.id))
    page = target if target.isdigit() else page  # the schema let only ASCII digits through
    return redirect(url_for(".attempt", attempt_id=attempt.id, page=page))


@bp.route("/attempts/<int:attempt_id>/autosave", methods=["POST"])
@roles_required(Role.COACH)
def autosave(attempt_id: int):
    attempt = _own_attempt(attempt_id, with_slots=False)
    saved = _closed_redirect(attempt) or _save_page(
        attempt,
        queries.slots_to_save(db.session, attempt.id, forms.shown_positions(request.form)),
    )
    if not isinstance(saved, tuple):  # submitted meanwhile: let the browser follow
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = url_for(".result", attempt_id=attempt.id)
        return response
    errors = {position: translated(error) for position, error in saved[0].items()}
    return render_template("delivery/_autosave.html", errors=errors, at=utcnow())


@bp.route("/attempts/<int:attempt_id>/summary")
@roles_required(Role.COACH)
def summary(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    return _closed_redirect(attempt) or render_template(
        "delivery/attempt_summary.html",
        attempt=attempt,
        pages=_pages(attempt),
        module=queries.module_by_code(db.session, attempt.module_code),
        now=utcnow(),
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@roles_required(Role.COACH)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    closed = _closed_redirect(attempt)
    if closed is not None:
        return closed
    validation = service.submit(db.session, attempt, xapi=xapi_config())
    db.session.commit()
    if validation is not None:
        flash(
            _("Well done: passing the quiz validated unit %(unit)s.", unit=validation.unit_code),
            "info",
        )
    return redirect(url_for(".result", attempt_id=attempt.id))


feedback_allowed = quiz_service.feedback_allowed


@bp.route("/attempts/<int:attempt_id>/result")
@roles_required(Role.COACH)
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.is_open:
        return _closed_redirect(attempt) or redirect(url_for(".attempt", attempt_id=attempt.id))
    module = queries.module_by_code(db.session, attempt.module_code)
    skill_rows = queries.skill_results(attempt, queries.skills_by_code(db.session))
    return render_template(
        "delivery/result.html",
        attempt=attempt,
        module=module,
        skill_rows=skill_rows,
        revisit=queries.to_revisit(skill_rows, module),
        progress=queries.module_progress(db.session, current_user, module),
        feedback_allowed=feedback_allowed(attempt),
    )


@bp.route("/attempts/<int:attempt_id>/review")
@roles_required(Role.COACH)
def review(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.is_open:
        return _closed_redirect(attempt) or redirect(url_for(".attempt", attempt_id=attempt.id))
    return render_template(
        "delivery/review.html",
        attempt=attempt,
        feedback_allowed=feedback_allowed(attempt),
        module=queries.module_by_code(db.session, attempt.module_code),
        correct=types.correct_response,
    )


# --- progress ---------------------------------------------------------------------------------


@bp.route("/progress")
@roles_required(Role.COACH)
def progress():
    record = _completion_record()  # first: it commits, which would expire what is loaded before
    return render_template(
        "delivery/progress.html",
        competences=queries.skill_progress(db.session, current_user),
        attempts=queries.attempts_of(db.session, current_user.id),
        record=record,
        live_sessions=live_queries.coach_past_sessions(db.session, current_user),
        badges=credentials.standing_of(db.session, [current_user.id]),
    )


def _completion_record():
    data = completion_record(db.session, current_user)
    db.session.commit()  # a verification code issued for a new set of decisions
    return data


@bp.route("/progress/record")
@roles_required(Role.COACH)
@personal_data
def progress_record():
    record = _completion_record()
    if record.is_empty:
        flash(_("Your completion record will be available once a competence is validated."), "info")
        return redirect(url_for(".progress"))
    pdf = completion_document.record_pdf(record, str(get_locale()))
    response = current_app.make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{completion_document.record_filename(record)}"'
    )
    return response

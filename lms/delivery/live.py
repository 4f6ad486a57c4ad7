"""Live trainer-led sessions: schedule, lobby with join code and QR code, one question at a time.

Coaches' screens follow by polling a small fragment every second (htmx). Polling, rather than
server-sent events, because all the state is in the database: any gunicorn worker answers any
poll, no sticky sessions and no long-lived connections tying up sync workers, and a refreshed
or reconnected browser simply polls again and gets the current state.
"""

from datetime import UTC

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import roles_required
from lms.auth.models import Cohort
from lms.catalog.models import Quiz
from lms.delivery import forms
from lms.delivery import queries as delivery_queries
from lms.delivery.views import bp, localised, translated, xapi_config
from lms.extensions import db
from lms.live import queries, service
from lms.live.models import ENDED, SCHEDULED
from lms.quiz import service as quiz_service
from lms.quiz import types
from lms.timeutil import utcnow

TRAINERS = ("trainer", "admin")


def _live_or_404(live_id: int):
    return queries.live_session(db.session, live_id) or abort(404)


def _run_or_403(live_id: int):
    live = _live_or_404(live_id)
    if not queries.may_run(current_user, live, db.session.get(Cohort, live.cohort_id)):
        abort(403)
    return live


def _as_coach_or_403(live_id: int):
    live = _live_or_404(live_id)
    if not queries.is_member(current_user, db.session.get(Cohort, live.cohort_id)):
        abort(403)
    return live


def join_url(live) -> str:
    return url_for(".live_join", code=live.join_code, _external=True)


def qr_code(live) -> str | None:
    """The join link as a QR code, an SVG data URI (the CSP allows data: images)."""
    if not live.join_code:
        return None
    return segno.make(join_url(live), error="m").svg_data_uri(scale=6, border=2)


# --- trainer ----------------------------------------------------------------------------------


@bp.route("/live/")
@roles_required(*TRAINERS)
def live_index():
    return render_template(
        "delivery/live_index.html", sessions=queries.trainer_sessions(db.session, current_user)
    )


def _schedule_form(module_code: str | None):
    form = forms.ScheduleForm()
    form.cohort.choices = [(c.id, c.name) for c in queries.cohorts_taught(db.session, current_user)]
    versions = (
        delivery_queries.catalog.current_question_versions(db.session, module_code)
        if module_code
        else []
    )
    form.questions.choices = [
        (v.id, f"{v.question.code} · {types.normalise_text(localised(v.definition['text']))[:140]}")
        for v in versions
        if v.definition["type"] != "essay"
    ]
    return form, {v.id: v for v in versions}


@bp.route("/live/new", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def live_new():
    modules = delivery_queries.catalog.modules(db.session)
    module = delivery_queries.module_by_code(db.session, request.values.get("module", ""))
    form, versions = _schedule_form(module.code if module else None)
    if module is not None and form.validate_on_submit():
        scheduled_at = form.scheduled_at.data.replace(tzinfo=get_timezone()).astimezone(UTC)
        try:
            live = service.schedule(
                db.session,
                trainer=current_user,
                cohort=db.session.get(Cohort, form.cohort.data),
                quiz=delivery_queries.quiz_for_module(db.session, module.code),
                module=module,
                scheduled_at=scheduled_at,
                webinar_url=form.webinar_url.data or "",
                versions=[versions[i] for i in form.questions.data],
                question_seconds=form.question_seconds.data or 0,
                title=form.title.data,
            )
        except service.LiveError as error:
            form.questions.errors = [*form.questions.errors, translated(error)]
        else:
            db.session.commit()
            flash(_("Live session scheduled."), "info")
            return redirect(url_for(".live_control", live_id=live.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "delivery/live_new.html", form=form, modules=modules, module=module
    ), status


def _control_context(live) -> dict:
    service.tick(db.session, live)
    db.session.commit()
    current = live.question_at(live.current_position)
    return {
        "live": live,
        "current": current,
        "cohort": db.session.get(Cohort, live.cohort_id),
        "present": service.present(live),
        "distribution": service.distribution(live, current.position) if current else None,
        "module": delivery_queries.module_by_code(db.session, live.module_code),
        "now": utcnow(),
    }


@bp.route("/live/<int:live_id>/")
@roles_required(*TRAINERS)
def live_control(live_id: int):
    live = _run_or_403(live_id)
    if live.state == ENDED:
        return redirect(url_for(".live_summary", live_id=live.id))
    context = _control_context(live)
    return render_template(
        "delivery/live_control.html",
        qr=qr_code(live),
        join_link=join_url(live) if live.join_code else None,
        **context,
    )


@bp.route("/live/<int:live_id>/panel")
@roles_required(*TRAINERS)
def live_panel(live_id: int):
    live = _run_or_403(live_id)
    context = _control_context(live)
    response = current_app.make_response(render_template("delivery/_live_panel.html", **context))
    if request.args.get("revision", type=int) != live.revision:
        # The timer closed the question meanwhile: reload, so the buttons match the state.
        response.headers["HX-Refresh"] = "true"
    return response


@bp.route("/live/<int:live_id>/control", methods=["POST"])
@roles_required(*TRAINERS)
def live_action(live_id: int):
    live = _run_or_403(live_id)
    try:
        service.control(
            db.session,
            live,
            request.form.get("action", ""),
            expected=request.form.get("revision", type=int),
            xapi=xapi_config(),
        )
    except service.LiveError as error:
        db.session.rollback()
        flash(translated(error), "error")
    else:
        db.session.commit()
    if live.state == ENDED:
        return redirect(url_for(".live_summary", live_id=live.id))
    return redirect(url_for(".live_control", live_id=live.id))


@bp.route("/live/<int:live_id>/summary")
@roles_required(*TRAINERS)
def live_summary(live_id: int):
    live = _run_or_403(live_id)
    return render_template(
        "delivery/live_summary.html",
        live=live,
        summary=service.summary(live),
        skills=delivery_queries.skills_by_code(db.session),
        cohort=db.session.get(Cohort, live.cohort_id),
    )


# --- coach ------------------------------------------------------------------------------------


@bp.route("/live/join", methods=["GET", "POST"])
@roles_required("coach")
def live_join():
    form = forms.JoinForm(request.args) if request.method == "GET" else forms.JoinForm()
    if request.method == "GET" and not request.args.get("code"):
        return render_template("delivery/live_join.html", form=form)
    code = "".join(ch for ch in (form.code.data or "") if ch.isdigit())
    live = queries.live_by_code(db.session, code) if len(code) == 6 else None
    if live is None:
        form.code.errors = [_("No open session has this code. Check the six digits.")]
        return render_template("delivery/live_join.html", form=form), 400
    return _join(live)


@bp.route("/live/<int:live_id>/join", methods=["POST"])
@roles_required("coach")
def live_join_session(live_id: int):
    return _join(_live_or_404(live_id))


def _join(live):
    try:
        service.join(
            db.session,
            live,
            user=current_user,
            cohort=db.session.get(Cohort, live.cohort_id),
            quiz=db.session.get(Quiz, live.quiz_id),
            xapi=xapi_config(),
        )
    except (service.LiveError, quiz_service.AttemptError) as error:
        db.session.rollback()
        flash(translated(error), "error")
        return redirect(url_for("web.home"))
    db.session.commit()
    return redirect(url_for(".live_play", live_id=live.id))


def _coach_context(live) -> dict:
    participant = service.participant_of(db.session, live, current_user)
    if participant is not None:
        service.tick(db.session, live)
        service.seen(db.session, participant)
        db.session.commit()
    current = live.question_at(live.current_position)
    slot = None
    if participant is not None and participant.attempt is not None and current is not None:
        slot = next((s for s in participant.attempt.slots if s.position == current.position), None)
    return {
        "live": live,
        "participant": participant,
        "current": current,
        "slot": slot,
        "distribution": service.distribution(live, current.position)
        if current is not None and live.phase == "revealed"
        else None,
        "module": delivery_queries.module_by_code(db.session, live.module_code),
        "now": utcnow(),
    }


@bp.route("/live/<int:live_id>/play")
@roles_required("coach")
def live_play(live_id: int):
    live = _as_coach_or_403(live_id)
    context = _coach_context(live)
    if context["participant"] is None and live.state not in (SCHEDULED, ENDED):
        return render_template("delivery/live_join.html", form=forms.JoinForm(), live=live)
    return render_template("delivery/live_play.html", **context)


@bp.route("/live/<int:live_id>/state")
@roles_required("coach")
def live_state(live_id: int):
    live = _as_coach_or_403(live_id)
    context = _coach_context(live)
    # The screen already shows this revision: 204 keeps what the coach is typing or choosing.
    if request.args.get("revision", type=int) == live.revision:
        return "", 204
    return render_template("delivery/_live_state_response.html", **context)


@bp.route("/live/<int:live_id>/answer", methods=["POST"])
@roles_required("coach")
def live_answer(live_id: int):
    live = _as_coach_or_403(live_id)
    participant = service.participant_of(db.session, live, current_user) or abort(403)
    error = None
    try:
        current = live.question_at(live.current_position) or abort(409)
        raw = forms.raw_answer(current.question_version.definition, request.form, current.position)
        service.answer(db.session, live, participant, raw)
    except (service.LiveError, quiz_service.AttemptError, types.ResponseError) as failure:
        db.session.rollback()
        error = translated(failure)
    else:
        db.session.commit()
    if request.headers.get("HX-Request"):
        return render_template("delivery/_live_answer_status.html", error=error), (
            400 if error else 200
        )
    flash(
        error or _("Your answer is saved. You can change it until the question closes."),
        "error" if error else "info",
    )
    return redirect(url_for(".live_play", live_id=live.id))


@bp.route("/live/<int:live_id>/leave", methods=["POST"])
@roles_required("coach")
def live_leave(live_id: int):
    live = _as_coach_or_403(live_id)
    participant = service.participant_of(db.session, live, current_user)
    if participant is not None:
        service.leave(db.session, participant)
        db.session.commit()
    flash(_("You left the session. You can join again while it is open."), "info")
    return redirect(url_for("web.home"))

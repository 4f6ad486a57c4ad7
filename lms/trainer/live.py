"""The trainer's side of live sessions: schedule, control panel (lobby with join code and QR
code, next, close, reveal, pause, end), projector view and summary. The coach's side is in
``lms.delivery.live``.

The control panel and the projector follow the session by server-sent events (``follow_screen``
in ``lms.live.notify``); without a stream they poll their fragment every second (htmx). All the
state is in the database, so any worker answers any request.
"""

from datetime import UTC
from functools import lru_cache
from zoneinfo import ZoneInfo

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms import params
from lms.access import roles_required
from lms.auth.models import Cohort
from lms.auth.policy import REVIEWERS, can_see_cohort, visible_cohorts
from lms.catalog import queries as catalog
from lms.extensions import db
from lms.formats import localised, public_url, translated
from lms.i18n import N_
from lms.live import notify, queries, service
from lms.live.models import BOARD_OFF, ENDED, REVEALED
from lms.quiz import types
from lms.timeutil import utcnow
from lms.trainer.forms import ScheduleForm
from lms.trainer.views import xapi_config

bp = Blueprint("trainer_live", __name__, url_prefix="/live")


def _run_or_403(live_id: int):
    live = queries.live_session(db.session, live_id) or abort(404)
    if not can_see_cohort(db.session, current_user, live.cohort_id):
        abort(403)
    return live


def _active_module(code: str):
    module = catalog.module_by_code(db.session, code)
    return module if module is not None and module.active else None


def join_url(live) -> str:
    return public_url("coach_live.join", code=live.join_code)


def qr_code(live) -> str | None:
    """The join link as a QR code, an SVG data URI (the CSP allows data: images)."""
    return _qr_svg(join_url(live)) if live.join_code else None


@lru_cache(maxsize=64)
def _qr_svg(url: str) -> str:
    # ~8 ms of CPU each: the lobby's screens redraw at every arrival, with the same link.
    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)


@bp.route("/")
@roles_required(*REVIEWERS)
def index():
    return render_template(
        "trainer/live_index.html", sessions=queries.trainer_sessions(db.session, current_user)
    )


def _schedule_form(module_code: str | None):
    form = ScheduleForm()
    form.cohort.choices = [(c.id, c.name) for c in visible_cohorts(db.session, current_user)]
    versions = catalog.current_question_versions(db.session, module_code) if module_code else []
    # The whole text: a trainer chooses a question by what it asks.
    form.questions.choices = [
        (v.id, f"{v.question.code} · {types.normalise_text(localised(v.definition['text']))}")
        for v in versions
        if types.question_type(v.definition).asked_live
    ]
    return form, {v.id: v for v in versions}


def _in_chosen_order(form, versions: dict) -> list:
    """The chosen questions by the order the trainer gave each (``order-<id>``); questions
    without one come after, in the order of the bank. A bad order is an error on the field."""
    chosen = []
    for index, version_id in enumerate(form.questions.data or []):
        key = f"order-{version_id}"
        text = request.form.get(key, "").strip()
        order = params.optional_integer({key: text}, key)
        if text and not (order and order <= 999):
            code = versions[version_id].question.code
            raise service.LiveError(
                N_("The order of %(code)s must be a whole number from 1 to 999."), code=code
            )
        chosen.append((order or 1000, index, versions[version_id]))
    return [version for _, _, version in sorted(chosen, key=lambda item: item[:2])]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def new():
    modules = catalog.modules(db.session)
    module = _active_module(request.values.get("module", ""))
    form, versions = _schedule_form(module.code if module else None)
    if module is not None and form.validate_on_submit():
        start_now = form.start_now.data
        if start_now:
            scheduled_at = utcnow()
        else:
            # zoneinfo, not the pytz zone of get_timezone(): pytz's tzinfo= gives local mean time.
            zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
            scheduled_at = form.scheduled_at.data.replace(tzinfo=zone).astimezone(UTC)
        try:
            live = service.schedule(
                db.session,
                trainer=current_user,
                cohort=db.session.get(Cohort, form.cohort.data),
                quiz=catalog.quiz_for_module(db.session, module.code),
                module=module,
                scheduled_at=scheduled_at,
                webinar_url=form.webinar_url.data or "",
                versions=_in_chosen_order(form, versions),
                question_seconds=form.question_seconds.data or 0,
                title=form.title.data,
                assessed=form.kind.data == "assessed",
                speed_bonus=form.speed_bonus.data,
                leaderboard=form.leaderboard.data or None,
            )
            if start_now:
                service.open_session(db.session, live)
        except service.LiveError as error:
            db.session.rollback()
            form.questions.errors = [*form.questions.errors, translated(error)]
        else:
            db.session.commit()
            flash(
                _("Live session open: coaches can join.")
                if start_now
                else _("Live session scheduled."),
                "info",
            )
            return redirect(url_for(".control", live_id=live.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "trainer/live_new.html", form=form, modules=modules, module=module
    ), status


def _tick(live) -> None:
    """Close a question whose time ran out; commit only then (a screen's read writes nothing)."""
    if service.tick(db.session, live):
        db.session.commit()


def _panel_context(live) -> dict:
    """What the panel fragment shows: the question with its answers so far, who is present."""
    _tick(live)
    current = live.question_at(live.current_position)
    return {
        "live": live,
        "current": current,
        "present": service.present(db.session, live),
        "distribution": service.distribution(db.session, live, current.position)
        if current
        else None,
        "now": utcnow(),
    }


@bp.route("/<int:live_id>/")
@roles_required(*REVIEWERS)
def control(live_id: int):
    live = _run_or_403(live_id)
    if live.state == ENDED:
        return redirect(url_for(".summary", live_id=live.id))
    return render_template(
        "trainer/live_control.html",
        qr=qr_code(live),
        join_link=join_url(live) if live.join_code else None,
        uncovered=service.uncovered_skills(db.session, live),
        cohort=db.session.get(Cohort, live.cohort_id),
        module=_active_module(live.module_code),
        **_panel_context(live),
    )


@bp.route("/<int:live_id>/panel")
@roles_required(*REVIEWERS)
def panel(live_id: int):
    live = _run_or_403(live_id)
    context = _panel_context(live)
    response = current_app.make_response(render_template("trainer/_live_panel.html", **context))
    if params.optional_integer(request.args, "revision") != live.revision:
        # The timer closed the question meanwhile: reload, so the buttons match the state.
        response.headers["HX-Refresh"] = "true"
    return response


def _projector_context(live) -> dict:
    _tick(live)
    current = live.question_at(live.current_position)
    scored = live.phase == REVEALED or live.state == ENDED
    distribution = service.distribution(db.session, live, current.position) if current else None
    return {
        "live": live,
        "current": current,
        "distribution": distribution,
        "participants": distribution.participants
        if distribution
        else queries.participant_count(db.session, live.id),
        "board": service.standings(db.session, live, service.BOARD_LINES)
        if scored and live.leaderboard != BOARD_OFF
        else None,
        "qr": qr_code(live) if current is None else None,  # the lobby shows it
        "join_link": join_url(live) if live.join_code else None,
        "now": utcnow(),
    }


@bp.route("/<int:live_id>/projector")
@roles_required(*REVIEWERS)
def projector(live_id: int):
    """The screen the room sees: the question, the timer and the number of answers, then on
    reveal the answers given and the right one; the leaderboard when the session has one."""
    live = _run_or_403(live_id)
    return render_template("trainer/live_projector.html", **_projector_context(live))


@bp.route("/<int:live_id>/projector/screen")
@roles_required(*REVIEWERS)
def projector_screen(live_id: int):
    live = _run_or_403(live_id)
    return render_template("trainer/_live_projector.html", **_projector_context(live))


@bp.route("/<int:live_id>/projector/events")
@roles_required(*REVIEWERS)
def projector_events(live_id: int):
    return _screen_events(_run_or_403(live_id), "trainer/_live_projector.html", _projector_context)


@bp.route("/<int:live_id>/panel/events")
@roles_required(*REVIEWERS)
def panel_events(live_id: int):
    return _screen_events(_run_or_403(live_id), "trainer/_live_panel.html", _panel_context)


def _screen_events(live, template: str, context):
    """A trainer's screen as server-sent events; 204 (the page polls) when the session has
    ended or this worker serves as many streams as it may."""
    streams = current_app.extensions.setdefault("lms.live_streams", notify.StreamSlots())
    if live.state == ENDED or not streams.take(current_app.config["LIVE_STREAMS"]):
        return "", 204
    live_id, config = live.id, current_app.config
    watcher = notify.watcher_for(db.engine)
    db.session.remove()

    def activity() -> tuple:
        try:
            mark = service.activity(db.session, queries.live_session(db.session, live_id))
            db.session.commit()
            return mark
        finally:
            db.session.remove()

    def render() -> str:
        try:
            return render_template(template, **context(queries.live_session(db.session, live_id)))
        finally:
            db.session.remove()

    response = Response(
        stream_with_context(
            notify.follow_screen(
                watcher,
                live_id,
                seconds=config["LIVE_STREAM_SECONDS"],
                retry_ms=config["LIVE_STREAM_RETRY_MS"],
                every=1.0,
                activity=activity,
                render=render,
            )
        ),
        mimetype="text/event-stream",
    )
    response.call_on_close(streams.release)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.route("/<int:live_id>/control", methods=["POST"])
@roles_required(*REVIEWERS)
def action(live_id: int):
    live = _run_or_403(live_id)
    try:
        service.control(
            db.session,
            live,
            request.form.get("action", ""),
            expected=params.optional_integer(request.form, "revision"),
            xapi=xapi_config(),
        )
    except service.LiveError as error:
        db.session.rollback()
        flash(translated(error), "error")
    else:
        db.session.commit()
    if live.state == ENDED:
        return redirect(url_for(".summary", live_id=live.id))
    return redirect(url_for(".control", live_id=live.id))


@bp.route("/<int:live_id>/summary")
@roles_required(*REVIEWERS)
def summary(live_id: int):
    live = _run_or_403(live_id)
    return render_template(
        "trainer/live_summary.html",
        live=live,
        board=service.standings(db.session, live),
        summary=service.summary(live),
        skills=catalog.skills_by_code(db.session),
        cohort=db.session.get(Cohort, live.cohort_id),
    )

"""The coach's side of live sessions: join by code, lobby, the question on screen, answer, leave.
The trainer's side is in ``lms.trainer.live``.

Coaches' screens follow by polling a small fragment every second (htmx). Polling, rather than
server-sent events, because all the state is in the database: any gunicorn worker answers any
poll, no sticky sessions and no long-lived connections tying up sync workers, and a refreshed
or reconnected browser simply polls again and gets the current state.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import roles_required
from lms.auth.models import Cohort
from lms.auth.policy import Role, can_see_cohort
from lms.catalog.models import Quiz
from lms.delivery import forms
from lms.delivery import queries as delivery_queries
from lms.delivery.views import xapi_config
from lms.errors import UserError
from lms.extensions import db
from lms.formats import translated
from lms.live import queries, service
from lms.live.models import ENDED, SCHEDULED
from lms.timeutil import utcnow

bp = Blueprint("coach_live", __name__, url_prefix="/live")


def _live_or_404(live_id: int):
    return queries.live_session(db.session, live_id) or abort(404)


def _as_coach_or_403(live_id: int):
    live = _live_or_404(live_id)
    if not can_see_cohort(db.session, current_user, live.cohort_id):
        abort(403)
    return live


@bp.route("/join", methods=["GET", "POST"])
@roles_required(Role.COACH)
def join():
    form = forms.JoinForm(request.args) if request.method == "GET" else forms.JoinForm()
    if request.method == "GET" and not request.args.get("code"):
        return render_template("delivery/live_join.html", form=form)
    code = "".join(ch for ch in (form.code.data or "") if ch.isdigit())
    live = queries.live_by_code(db.session, code) if len(code) == 6 else None
    if live is None:
        form.code.errors = [_("No open session has this code. Check the six digits.")]
        return render_template("delivery/live_join.html", form=form), 400
    return _join(live)


@bp.route("/<int:live_id>/join", methods=["POST"])
@roles_required(Role.COACH)
def join_session(live_id: int):
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
    except UserError as error:
        db.session.rollback()
        flash(translated(error), "error")
        return redirect(url_for("web.home"))
    db.session.commit()
    return redirect(url_for(".play", live_id=live.id))


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
        "distribution": service.distribution(db.session, live, current.position)
        if current is not None and live.phase == "revealed"
        else None,
        "module": delivery_queries.module_by_code(db.session, live.module_code),
        "now": utcnow(),
    }


@bp.route("/<int:live_id>/play")
@roles_required(Role.COACH)
def play(live_id: int):
    live = _as_coach_or_403(live_id)
    context = _coach_context(live)
    if context["participant"] is None and live.state not in (SCHEDULED, ENDED):
        return render_template("delivery/live_join.html", form=forms.JoinForm(), live=live)
    return render_template("delivery/live_play.html", **context)


@bp.route("/<int:live_id>/state")
@roles_required(Role.COACH)
def state(live_id: int):
    live = _as_coach_or_403(live_id)
    # The screen already shows this revision: 204 keeps what the coach is typing or choosing.
    # Most polls end here, so they only read: presence is written every few seconds at most.
    now = utcnow()
    if request.args.get("revision", type=int) == live.revision and not service.timer_ran_out(
        live, now
    ):
        participant = service.participant_of(db.session, live, current_user)
        if participant is not None and service.seen(db.session, participant, now=now):
            db.session.commit()
        return "", 204
    return render_template("delivery/_live_state_response.html", **_coach_context(live))


@bp.route("/<int:live_id>/answer", methods=["POST"])
@roles_required(Role.COACH)
def answer(live_id: int):
    live = _as_coach_or_403(live_id)
    participant = service.participant_of(db.session, live, current_user) or abort(403)
    error = None
    try:
        current = live.question_at(live.current_position) or abort(409)
        raw = forms.raw_answer(current.question_version.definition, request.form, current.position)
        service.answer(db.session, live, participant, raw)
    except UserError as failure:
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
    return redirect(url_for(".play", live_id=live.id))


@bp.route("/<int:live_id>/leave", methods=["POST"])
@roles_required(Role.COACH)
def leave(live_id: int):
    live = _as_coach_or_403(live_id)
    participant = service.participant_of(db.session, live, current_user)
    if participant is not None:
        service.leave(db.session, participant)
        db.session.commit()
    flash(_("You left the session. You can join again while it is open."), "info")
    return redirect(url_for("web.home"))

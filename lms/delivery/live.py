"""The coach's side of live sessions: join by code, lobby, the question on screen, answer, leave.
The trainer's side is in ``lms.trainer.live``.

Coaches' screens follow the session by server-sent events (``events``): a stream waits, holding
no database connection, until the session's revision changes on any worker of any server
(``lms.live.notify``), then sends the new state fragment. The fragment of a question nobody has
answered yet is the same for every coach: it is rendered once per worker, revision and language.
Each worker serves at most ``LIVE_STREAMS`` streams (gunicorn's threads must exceed it); past
that, or when a stream fails, the screen polls the same fragment every second (htmx), as it
does without the events. All the state stays in the database: any worker answers any request.
"""

import time

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms import params
from lms.access import roles_required
from lms.auth.models import Cohort, User
from lms.auth.policy import Role, can_see_cohort
from lms.catalog.models import Quiz
from lms.delivery import forms
from lms.delivery import queries as delivery_queries
from lms.delivery.views import xapi_config
from lms.errors import UserError
from lms.extensions import db
from lms.formats import translated
from lms.live import notify, queries, service
from lms.live.models import ASKING, ENDED, REVEALED, SCHEDULED
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


def _coach_context(live, user=current_user) -> dict:
    """What the coach's state fragment shows; writes (and commits) only a timer that ran out
    and the coach's presence when due."""
    participant = service.participant_of(db.session, live, user)
    if participant is not None:
        closed = service.tick(db.session, live)
        if service.seen(db.session, participant) or closed:
            db.session.commit()
    current = live.question_at(live.current_position)
    scored = live.phase == REVEALED or live.state == ENDED
    verdict = (
        service.verdict(db.session, live, participant)
        if participant is not None and scored
        else None
    )
    return {
        "live": live,
        "participant": participant,
        "current": current,
        "slot": service.current_slot(db.session, live, participant) if current else None,
        "verdict": verdict,
        "distribution": service.distribution(
            db.session, live, current.position, participants=verdict.ranked if verdict else None
        )
        if current is not None and live.phase == REVEALED
        else None,
        "now": utcnow(),
    }


@bp.route("/<int:live_id>/play")
@roles_required(Role.COACH)
def play(live_id: int):
    live = _as_coach_or_403(live_id)
    context = _coach_context(live)
    if context["participant"] is None and live.state not in (SCHEDULED, ENDED):
        return render_template("delivery/live_join.html", form=forms.JoinForm(), live=live)
    return _play_page(live, context)


def _play_page(live, context: dict) -> str:
    module = delivery_queries.module_by_code(db.session, live.module_code)
    return render_template("delivery/live_play.html", module=module, **context)


@bp.route("/<int:live_id>/state")
@roles_required(Role.COACH)
def state(live_id: int):
    shown, now = params.optional_integer(request.args, "revision"), utcnow()
    mark = queries.poll_mark(db.session, live_id, current_user) or abort(404)
    if not mark.visible:
        abort(403)
    # The screen already shows this revision: 204 keeps what the coach is typing or choosing.
    # Most polls end here, after one read: presence is written every few seconds at most.
    if shown == mark.revision and not service.timer_ran_out(mark, now):
        if service.seen_at_poll(db.session, mark, now=now):
            db.session.commit()
        return "", 204
    live = _live_or_404(live_id)
    return render_template("delivery/_live_state_response.html", **_coach_context(live))


def _streams() -> notify.StreamSlots:
    return current_app.extensions.setdefault("lms.live_streams", notify.StreamSlots())


def _state_fragment(live_id: int, user_id: int, attempt_id: int | None) -> tuple:
    """(revision, state fragment, question deadline) for one coach: the fragment every coach
    shares while they have nothing of their own on screen, else their own."""
    live = queries.live_session(db.session, live_id)
    if service.timer_ran_out(live, utcnow()):
        service.tick(db.session, live)
        db.session.commit()
    current = live.question_at(live.current_position)
    if attempt_id is None or live.state == ENDED:
        shareable = False
    elif current is None:
        shareable = True
    else:
        asked = live.phase == ASKING
        shareable = asked and not queries.answered(db.session, attempt_id, current.position)
    deadline = live.question_deadline if live.phase == ASKING else None
    # A running timer shows the seconds left: shared within the same second only.
    second = int(time.time()) if deadline else 0
    key = (live.id, live.revision, str(get_locale()), second)
    if not shareable:
        return live.revision, _render_state(live, user_id, shared=False), deadline
    streams = _streams()
    with streams.rendering:  # one stream renders, the others of this process wait and reuse
        with streams.lock:
            html = streams.shared.get(key)
        if html is None:
            html = _render_state(live, user_id, shared=True)
            with streams.lock:
                for old in [k for k in streams.shared if k[0] == live.id and k != key]:
                    del streams.shared[old]
                streams.shared[key] = html
    return live.revision, html, deadline


def _render_state(live, user_id: int, *, shared: bool) -> str:
    context = _coach_context(live, db.session.get(User, user_id))
    return render_template("delivery/_live_state_response.html", shared=shared, **context)


@bp.route("/<int:live_id>/events")
@roles_required(Role.COACH)
def events(live_id: int):
    """The session's state as server-sent events: a fragment whenever the revision changes.
    204 (the browser then polls) when the coach has not joined or this worker is full."""
    live = _as_coach_or_403(live_id)
    participant = service.participant_of(db.session, live, current_user)
    streams = _streams()
    if participant is None or live.state == ENDED:
        return "", 204
    if not streams.take(current_app.config["LIVE_STREAMS"]):
        return "", 204
    try:
        if service.seen(db.session, participant):
            db.session.commit()  # presence: a stream ends and comes back every few seconds
        shown = max(
            params.optional_integer(request.args, "revision") or 0,
            params.optional_integer(request.headers, "Last-Event-ID") or 0,
        )
        get_locale()  # chosen now, while the coach's row is at hand
        user_id, attempt_id = current_user.id, participant.attempt_id
        revision = live.revision
        deadline = live.question_deadline if live.phase == ASKING else None
        watcher = notify.watcher_for(db.engine)
        config = current_app.config
        db.session.remove()
    except BaseException:
        streams.release()
        raise

    def stream():
        nonlocal revision, deadline
        try:
            yield f"retry: {config['LIVE_STREAM_RETRY_MS']}\n\n"
            ends = time.monotonic() + config["LIVE_STREAM_SECONDS"]
            known = shown
            while (left := ends - time.monotonic()) > 0:
                if revision == known:
                    # Wake up for a new revision, or when the question's timer runs out.
                    timer = (deadline - utcnow()).total_seconds() if deadline else left
                    changed = watcher.wait(live_id, known, max(0.0, min(left, timer + 0.05)))
                    if changed is None and (deadline is None or utcnow() < deadline):
                        continue
                revision, html, deadline = _state_fragment(live_id, user_id, attempt_id)
                db.session.remove()  # no connection held while waiting
                yield notify.sse_event(revision, html)
                known = revision
        finally:
            db.session.remove()

    response = Response(stream_with_context(stream()), mimetype="text/event-stream")
    response.call_on_close(streams.release)  # however the stream ends, even unread
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy must pass each event at once
    return response


@bp.route("/<int:live_id>/answer", methods=["POST"])
@roles_required(Role.COACH)
def answer(live_id: int):
    live = _as_coach_or_403(live_id)
    participant = service.participant_of(db.session, live, current_user) or abort(403)
    error = None
    try:
        slot = service.slot_on_screen(db.session, live, participant)
        raw = forms.raw_answer(slot.question_version.definition, request.form, slot.position)
        service.answer(db.session, live, participant, raw, slot=slot)
    except UserError as failure:
        db.session.rollback()
        error = translated(failure)
    else:
        get_locale()  # chosen now: after the commit it would read the coach's row again
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


@bp.route("/<int:live_id>/pseudonym", methods=["POST"])
@roles_required(Role.COACH)
def pseudonym(live_id: int):
    live = _as_coach_or_403(live_id)
    participant = service.participant_of(db.session, live, current_user) or abort(403)
    try:
        service.set_pseudonym(db.session, participant, request.form.get("pseudonym", ""))
    except UserError as error:
        db.session.rollback()
        flash(translated(error), "error")
        return _play_page(live, _coach_context(live)), 400
    db.session.commit()
    flash(_("Your name on the leaderboard is saved."), "info")
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

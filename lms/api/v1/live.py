"""A coach in a live session: join it, read its state, answer the question on screen, through
the live service the phone's page calls."""

from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from lms.api.rest import PREFIX, allow, xapi_config
from lms.api.v1.attempts import AnswerSchema, QuestionSchema, question_view
from lms.api.v1.schemas import moment
from lms.auth.models import Cohort
from lms.auth.policy import Role, can_see_cohort
from lms.catalog.models import Quiz
from lms.extensions import db
from lms.live import queries, service
from lms.live.models import REVEALED

blp = Blueprint(
    "api_live", __name__, url_prefix=PREFIX, description="Live sessions, as a coach plays them"
)


class LiveStateSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    module_code = fields.String(required=True)
    state = fields.String(
        required=True, metadata={"enum": ["scheduled", "open", "running", "paused", "ended"]}
    )
    phase = fields.String(
        required=True, allow_none=True, metadata={"enum": ["asking", "closed", "revealed", None]}
    )
    revision = fields.Integer(required=True, metadata={"description": "changes with the screen"})
    question_deadline = moment(required=True, allow_none=True)
    joined = fields.Boolean(required=True)
    question = fields.Nested(
        QuestionSchema, required=True, allow_none=True,
        metadata={"description": "the question on screen; its key once revealed"},
    )  # fmt: skip


def _live(live_id: int):
    """A session of one of the caller's cohorts; 404 otherwise."""
    live = queries.live_session(db.session, live_id)
    if live is None or not can_see_cohort(db.session, current_user, live.cohort_id):
        abort(404, message="No such live session in your cohorts.")
    return live


def _state(live) -> dict:
    participant = service.participant_of(db.session, live, current_user)
    question = None
    current = live.question_at(live.current_position)
    if participant is not None and participant.attempt is not None and current is not None:
        slot = next((s for s in participant.attempt.slots if s.position == current.position), None)
        if slot is not None:
            question = question_view(slot, feedback=live.phase == REVEALED)
    return {
        "id": live.id, "title": live.title, "module_code": live.module_code, "state": live.state,
        "phase": live.phase, "revision": live.revision,
        "question_deadline": live.question_deadline, "joined": participant is not None,
        "question": question,
    }  # fmt: skip


@blp.route("/live/<int:live_id>")
@allow(Role.COACH)
@blp.response(200, LiveStateSchema)
def state(live_id: int):
    """The session's state and the question on screen (a poll also records the presence)."""
    live = _live(live_id)
    participant = service.participant_of(db.session, live, current_user)
    if participant is not None:
        service.tick(db.session, live)
        service.seen(db.session, participant)
        db.session.commit()
    return _state(live)


@blp.route("/live/<int:live_id>/join", methods=["POST"])
@allow(Role.COACH)
@blp.response(200, LiveStateSchema)
def join(live_id: int):
    """Join an open session (again, after a lost connection); 409 when it is not open."""
    live = _live(live_id)
    service.join(
        db.session, live, user=current_user, cohort=db.session.get(Cohort, live.cohort_id),
        quiz=db.session.get(Quiz, live.quiz_id), xapi=xapi_config(),
    )  # fmt: skip
    db.session.commit()
    return _state(live)


@blp.route("/live/<int:live_id>/answer", methods=["PUT"])
@allow(Role.COACH)
@blp.arguments(AnswerSchema)
@blp.response(200, LiveStateSchema)
def answer(body: dict, live_id: int):
    """Answer the question on screen; 409 once it is closed or before joining."""
    live = _live(live_id)
    participant = service.participant_of(db.session, live, current_user)
    if participant is None:
        abort(409, message="Join the session first.")
    service.answer(db.session, live, participant, body["answer"])
    db.session.commit()
    return _state(live)

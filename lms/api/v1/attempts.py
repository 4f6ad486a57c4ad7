"""A coach's quizzes and attempts: the questions as the quiz page shows them, never the key
before the attempt is graded and its quiz lets the coach see it (the review page's rule)."""

from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import select

from lms.api import pagination
from lms.api.rest import PREFIX, allow, xapi_config
from lms.api.v1.schemas import With, lang_map, moment
from lms.auth.policy import Role
from lms.catalog import queries as catalog
from lms.catalog.models import Quiz
from lms.delivery import queries, service
from lms.extensions import db
from lms.formats import translated
from lms.quiz import service as quiz_service
from lms.quiz import types
from lms.quiz.models import Attempt

blp = Blueprint(
    "api_attempts", __name__, url_prefix=PREFIX,
    description="Quizzes and attempts of the calling coach",
)  # fmt: skip


class QuotaSchema(Schema):
    used = fields.Integer(required=True)
    allowed = fields.Integer(required=True, metadata={"description": "0: unlimited"})
    left = fields.Integer(required=True, allow_none=True)


class QuizSchema(Schema):
    id = fields.Integer(required=True)
    module_code = fields.String(required=True)
    title = lang_map(required=True)
    time_limit_minutes = fields.Function(
        lambda quiz: quiz.settings.get("time_limit_minutes"), required=True, allow_none=True
    )
    pass_mark = fields.Function(
        lambda quiz: quiz.settings.get("pass_mark"), required=True, allow_none=True
    )
    quota = fields.Method("quota_of", required=True)
    open_attempt_id = fields.Method("open_attempt_of", required=True, allow_none=True)

    def quota_of(self, quiz):
        found = quiz_service.quota(db.session, current_user, quiz)
        return {"used": found.used, "allowed": found.allowed, "left": found.left}

    def open_attempt_of(self, quiz):
        found = quiz_service.open_attempt(db.session, current_user, quiz)
        return found.id if found is not None else None


class AttemptSchema(Schema):
    id = fields.Integer(required=True)
    quiz_id = fields.Integer(required=True)
    module_code = fields.String(required=True)
    number = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": ["open", "needs_grading", "graded"]})
    started_at = moment(required=True)
    deadline = moment(required=True, allow_none=True)
    submitted_at = moment(required=True, allow_none=True)
    live_session_id = fields.Integer(required=True, allow_none=True)
    score = fields.Float(
        required=True, allow_none=True, metadata={"description": "marks / maximum, 0–1"}
    )
    passed = fields.Boolean(required=True, allow_none=True)
    status = fields.String(
        attribute="proposed_status", required=True, allow_none=True,
        metadata={"description": "the unit status the result proposes; practice counts for none"},
    )  # fmt: skip
    answers_deleted_at = moment(
        required=True, allow_none=True,
        metadata={"description": "when the retention period deleted its answers (score kept)"},
    )  # fmt: skip


class ChoiceSchema(Schema):
    id = fields.String(required=True)
    text = lang_map(required=True)


class OutcomeSchema(Schema):
    state = fields.String(required=True)
    fraction = fields.Float(required=True, allow_none=True)
    feedback = fields.List(fields.Raw(), required=True)
    comment = fields.String(required=True, allow_none=True)


class QuestionSchema(Schema):
    position = fields.Integer(required=True)
    type = fields.String(required=True)
    text = lang_map(required=True)
    choices = fields.List(
        fields.Nested(ChoiceSchema), required=True,
        metadata={"description": "options, items or right-hand texts, in this attempt's order"},
    )  # fmt: skip
    prompts = fields.List(
        fields.Nested(ChoiceSchema), required=True,
        metadata={"description": "a matching question's left-hand items (each gets a choice)"},
    )  # fmt: skip
    max_mark = fields.Float(required=True)
    flagged = fields.Boolean(required=True)
    answer = fields.Raw(
        required=True, allow_none=True, metadata={"description": "the answer saved last"}
    )
    outcome = fields.Nested(
        OutcomeSchema, required=True, allow_none=True,
        metadata={"description": "once graded and the quiz shows feedback"},
    )  # fmt: skip
    correct = fields.Raw(
        required=True, allow_none=True,
        metadata={"description": "the key: only once graded and the quiz shows feedback"},
    )  # fmt: skip


class AttemptDetailSchema(AttemptSchema):
    feedback_allowed = fields.Boolean(required=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


QuizPage = pagination.page_schema(QuizSchema)
AttemptPage = pagination.page_schema(AttemptSchema)


def _text(value) -> dict:
    return value if isinstance(value, dict) else {"fr": str(value), "en": str(value)}


def question_view(slot, feedback: bool) -> dict:
    """A slot as the coach sees it: the question without its key, their answer, and the key
    and outcome only when ``feedback`` (graded, and the quiz shows it)."""
    definition = slot.question_version.definition
    kind = types.question_type(definition)
    shown = kind.shown_items(definition, slot.option_order)
    grade = slot.grade if feedback else None
    return {
        "position": slot.position,
        "type": kind.name,
        "text": _text(definition.get("text", "")),
        "choices": [{"id": str(item["id"]), "text": _text(item["text"])} for item in shown],
        "prompts": [
            {"id": str(pair["id"]), "text": _text(pair["left"])}
            for pair in definition.get("pairs", [])
            if kind.name == "matching"
        ],
        "max_mark": slot.max_mark,
        "flagged": slot.flagged,
        "answer": slot.answer.raw if slot.answer is not None else None,
        "outcome": None
        if grade is None
        else {
            "state": grade.state,
            "fraction": grade.fraction,
            "feedback": grade.feedback or [],
            "comment": grade.comment,
        },  # fmt: skip
        "correct": types.correct_response(definition) if feedback else None,
    }


def own_attempt(attempt_id: int) -> Attempt:
    """The caller's attempt with its slots; 404 for anyone else's (nothing is revealed)."""
    attempt = queries.attempt_with_slots(db.session, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404, message="No such attempt of yours.")
    return attempt


def attempt_detail(attempt: Attempt) -> With:
    feedback = quiz_service.feedback_allowed(attempt)
    questions = [question_view(slot, feedback) for slot in attempt.slots]
    return With(attempt, feedback_allowed=feedback, questions=questions)


@blp.route("/quizzes")
@allow(Role.COACH)
@blp.arguments(pagination.PageArguments, location="query", as_kwargs=True)
@blp.response(200, QuizPage)
def quizzes(**page):
    """The quizzes of the active modules, with the caller's attempts left and open attempt."""
    active = {module.code for module in catalog.modules(db.session)}
    query = select(Quiz).where(Quiz.module_code.in_(active))
    return pagination.page_of_query(db.session, query, Quiz.id, page)


def quiz_or_404(quiz_id: int) -> Quiz:
    quiz = catalog.quiz_by_id(db.session, quiz_id)
    if quiz is None or not quiz.module.active:
        abort(404, message="No such quiz.")
    return quiz


@blp.route("/quizzes/<int:quiz_id>")
@allow(Role.COACH)
@blp.response(200, QuizSchema)
def quiz(quiz_id: int):
    """One quiz, with the caller's attempts left and open attempt."""
    return quiz_or_404(quiz_id)


@blp.route("/attempts")
@allow(Role.COACH)
@blp.arguments(pagination.PageArguments, location="query", as_kwargs=True)
@blp.response(200, AttemptPage)
def attempts(**page):
    """The caller's attempts, self-paced and live, oldest first."""
    query = select(Attempt).where(Attempt.user_id == current_user.id)
    return pagination.page_of_query(db.session, query, Attempt.id, page)


@blp.route("/attempts/<int:attempt_id>")
@allow(Role.COACH)
@blp.response(200, AttemptDetailSchema)
def attempt(attempt_id: int):
    """One of the caller's attempts with its questions and saved answers."""
    return attempt_detail(own_attempt(attempt_id))


class AnswerSchema(Schema):
    answer = fields.Raw(
        required=True, allow_none=True,
        metadata={"description": "as the question type reads it: an option id, a list of ids, "
                  "a text, a number, or a mapping of prompt id to choice id; null clears it"},
    )  # fmt: skip
    flagged = fields.Boolean(load_default=None, metadata={"description": "marked for review"})


class SkillResultSchema(Schema):
    code = fields.String(attribute="skill_id", required=True)
    earned = fields.Float(required=True)
    maximum = fields.Float(required=True)


class ResultSchema(AttemptSchema):
    marks = fields.Float(required=True, allow_none=True)
    max_marks = fields.Float(required=True, allow_none=True)
    skills = fields.List(fields.Nested(SkillResultSchema), required=True, attribute="skill_scores")
    validated_unit = fields.String(
        required=True, allow_none=True,
        metadata={"description": "the unit this submission validated (quiz-only rule)"},
    )  # fmt: skip


def open_own_attempt(attempt_id: int) -> Attempt:
    """The caller's attempt, still open; one past its deadline is submitted first (as the
    quiz page does) and then refused with 409, as is a submitted one."""
    attempt = own_attempt(attempt_id)
    if service.submit_if_overdue(db.session, attempt, xapi=xapi_config()):
        db.session.commit()
        abort(409, message="Time is up: the attempt was submitted with the answers saved in time.")
    if not attempt.is_open:
        abort(409, message="This attempt is submitted: its answers can no longer change.")
    if attempt.live_session_id is not None:
        abort(409, message="This attempt belongs to a live session: answer through it.")
    return attempt


@blp.route("/quizzes/<int:quiz_id>/attempts", methods=["POST"])
@allow(Role.COACH)
@blp.response(201, AttemptDetailSchema)
def start(quiz_id: int):
    """Start an attempt, or resume the open one (409 when the attempts are used up)."""
    attempt = quiz_service.start(
        db.session, user=current_user, quiz=quiz_or_404(quiz_id), xapi=xapi_config()
    )
    db.session.commit()
    return attempt_detail(own_attempt(attempt.id))


@blp.route("/attempts/<int:attempt_id>/answers/<int:position>", methods=["PUT"])
@allow(Role.COACH)
@blp.arguments(AnswerSchema)
@blp.response(200, QuestionSchema)
def save_answer(body: dict, attempt_id: int, position: int):
    """Save the answer to one question (a new answer row when it changed, as the page does);
    422 when the question type cannot read it."""
    attempt = open_own_attempt(attempt_id)
    slot = next((s for s in attempt.slots if s.position == position), None)
    if slot is None:
        abort(404, message=f"The attempt has no question {position}.")
    flags = {} if body["flagged"] is None else {position: body["flagged"]}
    errors = service.save_answers(db.session, attempt, [slot], {position: body["answer"]}, flags)
    if errors:
        db.session.rollback()
        message = translated(errors[position])
        abort(422, message=message, errors={"json": {"answer": [message]}})
    db.session.commit()
    return question_view(slot, feedback=False)


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow(Role.COACH)
@blp.response(200, ResultSchema)
def submit(attempt_id: int):
    """Submit the attempt with the answers saved: graded now, but for the essays."""
    attempt = open_own_attempt(attempt_id)
    validation = service.submit(db.session, attempt, xapi=xapi_config())
    db.session.commit()
    return With(attempt, validated_unit=validation.unit_code if validation else None)


@blp.route("/attempts/<int:attempt_id>/result")
@allow(Role.COACH)
@blp.response(200, ResultSchema)
def result(attempt_id: int):
    """Score, pass and marks per skill (null while the attempt is open)."""
    return With(own_attempt(attempt_id), validated_unit=None)

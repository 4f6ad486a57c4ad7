"""Forms of the coach's pages: quiz answers read from plain HTML fields, the live join code."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict
from wtforms import (
    StringField,
)
from wtforms.validators import DataRequired, Length

from lms import params
from lms.quiz import types


def field_name(position: int, part: str | None = None) -> str:
    """The name of an answer field: ``q3`` or, for one select of a question, ``q3.b``."""
    return f"q{position}" if part is None else f"q{position}.{part}"


def raw_answer(definition: Mapping, form: MultiDict, position: int):
    """The response as the page sent it, in the raw format of the question type."""
    kind = types.question_type(definition)
    return kind.form_answer(definition, form, field_name(position))


# More than any page shows: bounds the positions a forged form can make a save look up.
MAX_SHOWN = 500


class AttemptArguments(params.Arguments):
    """What a quiz page sends besides the answers: the questions it showed (so a cleared
    answer or flag is saved as cleared), its page, the question to check, where to go next."""

    shown = fields.List(params.Integer(1, MAX_SHOWN), load_default=list)
    page = params.Integer(1, MAX_SHOWN, load_default=1)
    check = params.Integer(1, MAX_SHOWN, load_default=None)
    goto = fields.String(
        validate=validate.Regexp(r"^(summary|timeout|[0-9]{1,3})$"), load_default=""
    )
    # An ordering item moved without JavaScript: "<position>.<rank>.up|down", or the order
    # shown kept as the answer: "<position>.keep".
    move = fields.String(
        validate=validate.Regexp(r"^[0-9]{1,3}\.(keep|[0-9]{1,3}\.(up|down))$"), load_default=""
    )


def attempt_arguments(values: MultiDict) -> dict:
    return params.read(AttemptArguments(), values)


def shown_positions(form: MultiDict) -> list[int]:
    return sorted(set(attempt_arguments(form)["shown"]))


def with_move(form: MultiDict, move: str) -> MultiDict:
    """The form as if the ordering item at a rank had moved one place (or the order shown
    had been kept): the answer the coach meant by pressing that button."""
    if not move:
        return form
    position, _, rest = move.partition(".")
    form = form.copy()
    form.pop(field_name(int(position), "untouched"), None)
    if rest != "keep":
        rank, direction = rest.split(".")
        other = int(rank) + (-1 if direction == "up" else 1)
        here, there = field_name(int(position), rank), field_name(int(position), str(other))
        if here in form and there in form:
            form[here], form[there] = form[there], form[here]
    return form


def page_answers(slots, form: MultiDict) -> tuple[dict[int, object], dict[int, bool]]:
    """(answers, flags) by position for the questions the page showed."""
    by_position = {slot.position: slot for slot in slots}
    answers, flags = {}, {}
    for position in shown_positions(form):
        slot = by_position.get(position)
        if slot is None:
            continue
        answers[position] = raw_answer(slot.question_version.definition, form, position)
        flags[position] = form.get(f"flag{position}") == "1"
    return answers, flags


class JoinForm(FlaskForm):
    code = StringField(_l("Join code"), validators=[DataRequired(), Length(min=6, max=7)])

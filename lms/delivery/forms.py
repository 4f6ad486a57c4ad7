"""Forms of the coach's pages: quiz answers read from plain HTML fields, the live join code."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    StringField,
)
from wtforms.validators import DataRequired, Length

TEXT_TYPES = ("short_answer", "numerical", "essay")


def field_name(position: int, part: str | None = None) -> str:
    """The name of an answer field: ``q3`` or, for one select of a question, ``q3.b``."""
    return f"q{position}" if part is None else f"q{position}.{part}"


def raw_answer(definition: Mapping, form: MultiDict, position: int):
    """The response as the page sent it, in the raw format of the question type."""
    kind, name = definition["type"], field_name(position)
    if kind == "multiple_response":
        return [value for value in form.getlist(name) if value]
    if kind == "matching":
        chosen = {
            pair["id"]: form.get(field_name(position, pair["id"]), "")
            for pair in definition["pairs"]
        }
        return {key: value for key, value in chosen.items() if value}
    if kind == "ordering":
        ranks = range(1, len(definition["items"]) + 1)
        return [
            form[field_name(position, str(rank))]
            for rank in ranks
            if form.get(field_name(position, str(rank)))
        ]
    if kind in TEXT_TYPES:
        return form.get(name, "")
    return form.get(name) or None


# More than any page shows: bounds the positions a forged form can make a save look up.
MAX_SHOWN = 500


def shown_positions(form: MultiDict) -> list[int]:
    """The questions the page showed (so a cleared answer or flag is saved as cleared)."""
    positions = {int(value) for value in form.getlist("shown") if value.isdigit()}
    return sorted(p for p in positions if 1 <= p <= MAX_SHOWN)


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

"""Forms of the coach's pages: quiz answers read from plain HTML fields, live session scheduling."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    URLField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

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


def shown_positions(form: MultiDict, count: int) -> list[int]:
    """The questions the page showed (so a cleared answer or flag is saved as cleared)."""
    positions = []
    for value in form.getlist("shown"):
        if value.isdigit() and 1 <= int(value) <= count:
            positions.append(int(value))
    return sorted(set(positions))


def page_answers(slots, form: MultiDict) -> tuple[dict[int, object], dict[int, bool]]:
    """(answers, flags) by position for the questions the page showed."""
    by_position = {slot.position: slot for slot in slots}
    answers, flags = {}, {}
    for position in shown_positions(form, len(slots)):
        slot = by_position.get(position)
        if slot is None:
            continue
        answers[position] = raw_answer(slot.question_version.definition, form, position)
        flags[position] = form.get(f"flag{position}") == "1"
    return answers, flags


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ScheduleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    cohort = SelectField(_l("Cohort"), coerce=int)
    scheduled_at = DateTimeLocalField(
        _l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    webinar_url = URLField(
        _l("Webinar link (optional)"),
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )
    question_seconds = IntegerField(
        _l("Time per question in seconds (0 = no timer)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=3600)],
    )
    questions = MultiCheckboxField(_l("Questions, in this order"), coerce=int)


class JoinForm(FlaskForm):
    code = StringField(_l("Join code"), validators=[DataRequired(), Length(min=6, max=7)])

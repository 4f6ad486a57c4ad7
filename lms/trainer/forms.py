"""Forms of the trainer pages; the evaluation-grid levels are read as ``level-<criterion>``."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from marshmallow import fields
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from lms import params
from lms.competence.models import NOT_VALIDATED, VALIDATED
from lms.trainer.labels import DECISION_LABELS

LEVEL_PREFIX = "level-"


class MatrixArguments(params.Arguments):
    """The cohort matrix's filter, sort and page (query string)."""

    q = params.Text(100, load_default="")
    status = params.Text(20, load_default="")
    unit = params.Text(10, load_default="")
    inactive = params.Integer(0, 3650, load_default=None)
    sort = params.Text(10, load_default="name")
    order = params.Text(4, load_default="asc")
    page = params.Integer(1, 100_000, load_default=1)


class PeriodArguments(params.Arguments):
    """Inclusive calendar days (?since=YYYY-MM-DD&until=YYYY-MM-DD)."""

    since = params.Day(load_default=None)
    until = params.Day(load_default=None)


class BulkDecisionArguments(params.Arguments):
    session = params.Id(load_default=None)  # the live session whose participants are decided
    coach = fields.List(params.Id(), load_default=list)


def levels_from(form_data, criteria: list[dict]) -> dict[str, str]:
    """The level chosen for each criterion of the grid (criteria left blank are left out)."""
    levels = {}
    for criterion in criteria:
        chosen = (form_data.get(LEVEL_PREFIX + criterion["id"]) or "").strip()
        if chosen:
            levels[criterion["id"]] = chosen
    return levels


class FiniteNumberField(DecimalField):
    """A decimal number read as a float; NaN and the infinities, which Python's Decimal
    accepts, are refused as not a number."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            if not self.data.is_finite():
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value."))
            self.data = float(self.data)


class GradeForm(FlaskForm):
    percent = FiniteNumberField(
        _l("Grade (%)"), places=None, validators=[Optional(), NumberRange(min=0, max=100)]
    )
    comment = TextAreaField(_l("Comment for the coach"), validators=[Length(max=4000)])


class DecisionForm(FlaskForm):
    modality = RadioField(_l("Modality"), validators=[DataRequired()])
    decision = RadioField(
        _l("Decision"),
        choices=[
            (VALIDATED, DECISION_LABELS[VALIDATED]),
            (NOT_VALIDATED, DECISION_LABELS[NOT_VALIDATED]),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])
    attachment = FileField(_l("Attachment (PDF, PNG, JPG, ODT or DOCX, 5 MB at most)"))


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class BulkDecisionForm(FlaskForm):
    unit = SelectField(_l("Unit"), validators=[DataRequired()])
    modality = SelectField(_l("Modality"), validators=[DataRequired()])
    decision = RadioField(
        _l("Decision"),
        choices=[
            (VALIDATED, DECISION_LABELS[VALIDATED]),
            (NOT_VALIDATED, DECISION_LABELS[NOT_VALIDATED]),
        ],
        default=VALIDATED,
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ScheduleForm(FlaskForm):
    """A live session to schedule, or to start now (then the date may stay empty). The order of
    each chosen question is read as ``order-<version id>``."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    cohort = SelectField(_l("Cohort"), coerce=int)
    scheduled_at = DateTimeLocalField(
        _l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    kind = RadioField(
        _l("Kind of session"),
        choices=[
            ("practice", _l("Practice: the results never count for the unit")),
            (
                "assessed",
                _l("Assessed: the results count when the questions cover every skill of the unit"),
            ),
        ],
        default="practice",
    )
    speed_bonus = BooleanField(_l("Faster right answers earn more points (needs a timer)"))
    leaderboard = SelectField(
        _l("Leaderboard"),
        choices=[
            ("", _l("Default: with pseudonyms for practice, none for an assessed session")),
            ("off", _l("None")),
            ("pseudonyms", _l("Shown, with pseudonyms the coaches choose")),
            ("names", _l("Shown, with the coaches' names")),
        ],
        default="",
    )
    start_now = SubmitField(_l("Start now"))
    webinar_url = URLField(
        _l("Webinar link (optional)"),
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )
    question_seconds = IntegerField(
        _l("Time per question in seconds (0 = no timer)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=3600)],
    )
    questions = MultiCheckboxField(_l("Questions"), coerce=int)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.start_now.data and self.scheduled_at.data is None:
            if not self.scheduled_at.errors:
                self.scheduled_at.errors = [_l("Enter the date and time, or start now.")]
            valid = False
        return valid

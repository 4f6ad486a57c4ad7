"""Forms of the trainer pages; the evaluation-grid levels are read as ``level-<criterion>``."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.competence.models import NOT_VALIDATED, VALIDATED
from lms.trainer.labels import DECISION_LABELS

LEVEL_PREFIX = "level-"


def levels_from(form_data, criteria: list[dict]) -> dict[str, str]:
    """The level chosen for each criterion of the grid (criteria left blank are left out)."""
    levels = {}
    for criterion in criteria:
        chosen = (form_data.get(LEVEL_PREFIX + criterion["id"]) or "").strip()
        if chosen:
            levels[criterion["id"]] = chosen
    return levels


class GradeForm(FlaskForm):
    percent = DecimalField(
        _l("Grade (%)"), places=None, validators=[Optional(), NumberRange(min=0, max=100)]
    )
    comment = TextAreaField(_l("Comment for the coach"), validators=[Length(max=4000)])


class ValidationForm(FlaskForm):
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


class BulkValidationForm(FlaskForm):
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

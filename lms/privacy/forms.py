"""Forms of the privacy pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class EraseForm(FlaskForm):
    """The administrator types the person's e-mail address to confirm an erasure."""

    email = StringField(
        _l("Type their e-mail address to confirm"), validators=[DataRequired(), Length(max=254)]
    )

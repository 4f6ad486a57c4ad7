"""Forms of the administration pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.auth.policy import Role

ROLE_CHOICES = [
    (Role.COACH.value, _l("Coach")),
    (Role.TRAINER.value, _l("Trainer")),
    (Role.ADMIN.value, _l("Administrator")),
]
LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    password = PasswordField(_l("Initial password"), validators=[Optional(), Length(max=1024)])


class UserStatusForm(FlaskForm):
    active = BooleanField(_l("Active"))


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class MemberForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    as_role = SelectField(_l("As"), choices=ROLE_CHOICES[:2], default=Role.COACH.value)


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("A .csv file."))]
    )

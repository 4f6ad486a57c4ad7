"""Login and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.auth.service import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class ChoosePasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class PasswordForm(ChoosePasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class LanguageForm(FlaskForm):
    language = SelectField(choices=[("fr", "Français"), ("en", "English")])


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    scope = RadioField(
        _l("Access"),
        choices=[("read", _l("Read only")), ("write", _l("Read and write"))],
        default="read",
    )

"""Forms of the administration pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from lms import params
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


class UserStatusForm(FlaskForm):
    active = BooleanField(_l("Active"))


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class MemberForm(FlaskForm):
    emails = TextAreaField(
        _l("Email addresses (one or more, pasted from a list or a spreadsheet column)"),
        validators=[DataRequired(), Length(max=100_000)],
    )
    as_role = SelectField(_l("As"), choices=ROLE_CHOICES[:2], default=Role.COACH.value)


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or Excel file"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "txt", "xlsx"], _l("A .csv, .txt or .xlsx file.")),
        ],
    )


class ContentLoadForm(FlaskForm):
    """Load the content on disk (the CSRF token only)."""


class GiftForm(FlaskForm):
    module = SelectField(_l("Module"), validators=[DataRequired()])
    language = SelectField(
        _l("Language of the file"), choices=[("fr", "Français"), ("en", "English")], default="fr"
    )
    file = FileField(
        _l("GIFT file"),
        validators=[FileAllowed(["gift", "txt"], _l("A .gift or .txt file."))],
    )
    # The previewed text comes back with the import, so what is written is what was shown.
    text = HiddenField()
    filename = HiddenField()


SCOPE_CHOICES = [
    ("all", _l("All statements")),
    ("completions", _l("Completion records only")),
]
ACTOR_IDENTITY_CHOICES = [
    ("mbox", _l("E-mail address and name (mbox)")),
    ("mbox_sha1sum", _l("Hash of the e-mail address (mbox_sha1sum)")),
    ("account", _l("Pseudonymous account of the centre (account)")),
]


class AuditArguments(params.Arguments):
    action = params.Text(40, load_default="")
    actor = params.Text(254, load_default="")
    since = params.Day(load_default=None)
    until = params.Day(load_default=None)
    before = params.Id(load_default=None)


class EndpointArguments(params.Arguments):
    edit = params.Id(load_default=None)


class EndpointForm(FlaskForm):
    endpoint_id = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(1, params.MAX_ID)]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    url = URLField(
        _l("xAPI endpoint URL"),
        validators=[
            DataRequired(),
            Length(max=2048),
            Regexp(r"^https?://\S+$", message=_l("Enter an http:// or https:// address.")),
        ],
    )
    username = StringField(_l("Username"), validators=[Optional(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=255)])
    scope = SelectField(_l("Statements to send"), choices=SCOPE_CHOICES, default="all")
    actor_identity = SelectField(
        _l("People identified by"), choices=ACTOR_IDENTITY_CHOICES, default="mbox"
    )
    active = BooleanField(_l("Active"), default=True)


class IssuerForm(FlaskForm):
    """The training centre as its Open Badges credentials name it."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    url = URLField(_l("Web site"), validators=[Optional(), Length(max=500), Regexp(r"^https?://")])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    image_url = URLField(
        _l("Logo (address of an image)"),
        validators=[Optional(), Length(max=500), Regexp(r"^https?://")],
    )


class RetryForm(FlaskForm):
    statement_id = HiddenField()

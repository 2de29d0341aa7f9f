"""Browser forms of the accounts domain (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from gateway.accounts.models import FEED_VISIBILITIES, GENDERS
from gateway.accounts.preferences import timezone_choices
from gateway.forms import Form
from gateway.i18n import LANGUAGE_NAMES, _l
from gateway.labels import LABELS


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField(validators=[Length(max=2048)])


class SignupForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=32)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    nickname = StringField(_l("Nickname"), validators=[Optional(), Length(max=32)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField(_l("Repeat password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    # Where the new user was going (an app's authorization request): kept through errors.
    next = HiddenField(validators=[Length(max=2048)])


class ProfileForm(Form):
    nickname = StringField(_l("Nickname"), validators=[DataRequired(), Length(max=32)])
    gender = SelectField(_l("Gender"), choices=[SelectChoice("", _l("Not said")),
                                              *[SelectChoice(g, _l(LABELS[g])) for g in GENDERS]],
                         validate_choice=True)
    province = StringField(_l("Province"), validators=[Optional(), Length(max=32)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=32)])
    birth_year = IntegerField(_l("Birth year"), validators=[
        Optional(), NumberRange(min=1900, max=date.today().year)])
    feed_visibility = SelectField(_l("Who sees your feed"),
                                  choices=[SelectChoice(v, _l(LABELS[v]))
                                           for v in FEED_VISIBILITIES])
    language = SelectField(_l("Language"), choices=[SelectChoice("", _l("As my browser asks")),
                                                   *[SelectChoice(k, v)
                                                     for k, v in LANGUAGE_NAMES.items()]],
                           validators=[Optional()])
    timezone = SelectField(_l("Time zone"), default="Asia/Shanghai", validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class AvatarForm(Form):
    avatar = FileField(_l("Avatar"), validators=[FileRequired(_l("Choose an image to upload."))])


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))])


class EmailForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    next = HiddenField(validators=[Length(max=2048)])


class ChangeEmailForm(Form):
    email = EmailField(_l("New email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])


class ConfirmForm(Form):
    """A button with a CSRF token: links in mail are opened with GET, confirmed with POST, so a
    mail scanner fetching the link spends nothing."""


class ForgotForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])

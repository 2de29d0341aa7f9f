"""Browser forms of the accounts domain (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from gateway.accounts.models import FEED_VISIBILITIES, GENDERS
from gateway.forms import Form


class LoginForm(Form):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    next = HiddenField(validators=[Length(max=2048)])


class SignupForm(Form):
    username = StringField("Username", validators=[DataRequired(), Length(min=3, max=32)])
    nickname = StringField("Nickname", validators=[Optional(), Length(max=32)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField("Repeat password", validators=[
        DataRequired(), EqualTo("password", message="The passwords do not match.")])
    # Where the new user was going (an app's authorization request): kept through errors.
    next = HiddenField(validators=[Length(max=2048)])


class ProfileForm(Form):
    nickname = StringField("Nickname", validators=[DataRequired(), Length(max=32)])
    gender = SelectField("Gender", choices=[SelectChoice("", "Not said"),
                                          *[SelectChoice(g, g.title()) for g in GENDERS]],
                         validate_choice=True)
    province = StringField("Province", validators=[Optional(), Length(max=32)])
    city = StringField("City", validators=[Optional(), Length(max=32)])
    birth_year = IntegerField("Birth year", validators=[
        Optional(), NumberRange(min=1900, max=date.today().year)])
    feed_visibility = SelectField("Who sees your feed",
                                  choices=[SelectChoice(v, v.title()) for v in FEED_VISIBILITIES])


class AvatarForm(Form):
    avatar = FileField("Avatar", validators=[FileRequired("Choose an image to upload.")])


class PasswordForm(Form):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField("New password",
                                 validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField("Repeat new password", validators=[
        DataRequired(), EqualTo("new_password", message="The passwords do not match.")])

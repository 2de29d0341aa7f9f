"""Forms of the second-factor pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from gateway.forms import Form
from gateway.i18n import _l


class CodeForm(Form):
    code = StringField(_l("Code from your app, or a recovery code"),
                       validators=[DataRequired(), Length(max=32)])


class PasskeyNameForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])

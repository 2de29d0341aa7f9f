"""The forms of the privacy pages."""

from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from gateway.forms import Form
from gateway.i18n import _l


class DeleteAccountForm(Form):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])

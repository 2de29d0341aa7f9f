"""The top-up form."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from gateway.forms import Form
from gateway.i18n import _l
from gateway.wallet.services import MAX_COINS


class TopUpForm(Form):
    coins = IntegerField(_l("Coins to buy"), validators=[InputRequired(),
                                                         NumberRange(min=1, max=MAX_COINS)])

"""Errors of the wallet."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class InvalidAmount(ZoneConnectError):
    code = "invalid_amount"
    status = 400
    description = _l("The amount must be a whole number of coins between 1 and the maximum.")


class ProviderUnavailable(ZoneConnectError):
    code = "provider_unavailable"
    status = 503
    description = _l("The payment provider is not configured.")

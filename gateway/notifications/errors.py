"""Errors of notification preferences."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class InvalidUnsubscribeLink(ZoneConnectError):
    code = "invalid_link"
    status = 400
    description = _l("This unsubscribe link is not valid.")


class UnknownTopic(ZoneConnectError):
    code = "unknown_topic"
    status = 400
    description = _l("That kind of mail cannot be turned off here.")

"""Errors of the apps domain (QQ codes where the wire format has one)."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class AppNotFound(ZoneConnectError):
    code = "app_not_found"
    status = 404
    description = _l("appid does not exist")

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description, ret=100008)


class AppNotLive(ZoneConnectError):
    code = "app_not_live"
    status = 403
    description = _l("app is not online (not yet approved, or suspended)")

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description, ret=100011)


class InvalidAppKey(ZoneConnectError):
    code = "invalid_client"
    status = 401
    description = _l("client secret is illegal")

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description, ret=100009)

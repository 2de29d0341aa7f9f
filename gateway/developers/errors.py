"""Errors of the developers domain (portal, review and management API)."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class NotADeveloper(ZoneConnectError):
    code = "developer_profile_required"
    status = 403
    description = _l("Open a developer profile first.")


class InvalidApiKey(ZoneConnectError):
    code = "invalid_token"
    status = 401
    description = _l("The API key is missing, unknown or revoked.")

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description)


class ReadOnlyKey(ZoneConnectError):
    code = "insufficient_scope"
    status = 403
    description = _l("This API key is read-only; create a write key to change apps.")

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description, ret=100030)


class InvalidState(ZoneConnectError):
    code = "conflict"
    status = 409
    description = _l("The app is not in a state that allows this.")


class InvalidIcon(ZoneConnectError):
    code = "invalid_icon"
    status = 400
    description = _l("Upload a PNG, JPEG, GIF or WebP image.")

"""Errors of the accounts domain."""

from __future__ import annotations

from gateway.errors import ValidationFailed, ZoneConnectError
from gateway.i18n import _l


class InvalidAvatar(ZoneConnectError):
    code = "invalid_avatar"
    status = 400
    description = _l("That file is not an image we can read.")


class UsernameTaken(ZoneConnectError):
    code = "username_taken"
    status = 409
    description = _l("That username is taken.")


class InvalidCredentials(ZoneConnectError):
    code = "invalid_credentials"
    status = 401
    description = _l("Wrong username or password.")


class WrongPassword(ValidationFailed):
    """A form's current-password check failed (counted by the password-check throttle)."""
class InvalidLink(ZoneConnectError):
    code = "invalid_link"
    status = 400
    description = _l("This link is invalid, has expired or was already used.")


class EmailTaken(ZoneConnectError):
    code = "email_taken"
    status = 409
    description = _l("Another account uses that email address.")

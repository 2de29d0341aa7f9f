"""Errors of the friends domain."""

from __future__ import annotations

from gateway.errors import Conflict, Forbidden, NotFound, ZoneConnectError
from gateway.i18n import _l


class NoSuchUser(NotFound):
    code = "user_not_found"
    description = _l("There is no such user.")


class NotYourself(ZoneConnectError):
    code = "invalid_request"
    status = 400
    description = _l("You cannot be your own friend.")


class AlreadyFriends(Conflict):
    code = "already_friends"
    description = _l("You are already friends.")


class BlockedError(Forbidden):
    code = "blocked"
    description = _l("You cannot do this with that user.")


class NoSuchRequest(NotFound):
    code = "request_not_found"
    description = _l("There is no such friend request.")

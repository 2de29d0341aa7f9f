"""Errors of the groups domain."""

from __future__ import annotations

from gateway.errors import Conflict, Forbidden, NotFound
from gateway.i18n import _l


class GroupNotFound(NotFound):
    code = "group_not_found"
    description = _l("There is no such group, or you may not see it.")


class NotAllowed(Forbidden):
    code = "forbidden"
    description = _l("Your role in this group does not allow this.")


class Banned(Forbidden):
    code = "banned"
    description = _l("You cannot join this group.")


class AlreadyMember(Conflict):
    code = "already_member"
    description = _l("You are already a member of this group.")


class InviteInvalid(NotFound):
    code = "invite_invalid"
    description = _l("This invite link is unknown, expired or revoked.")


class OwnerMustTransfer(Conflict):
    code = "owner_must_transfer"
    description = _l("The owner must hand the group to another member before leaving.")


class PostNotFound(NotFound):
    code = "post_not_found"
    description = _l("There is no such post in this group.")


class FileNotFound(NotFound):
    code = "file_not_found"
    description = _l("There is no such file in this group.")

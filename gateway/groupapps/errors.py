"""Errors of group apps."""

from __future__ import annotations

from gateway.errors import Forbidden, NotFound
from gateway.i18n import _l


class GroupUnknownToApp(NotFound):
    """The group_openid is unknown, the app is not installed there, or the user is no member:
    one answer for all three, so an app cannot probe groups."""

    code = "group_not_found"
    description = _l("No such group for this app and user.")


class ReviewRequired(Forbidden):
    code = "review_required"
    description = _l("Member lists of groups this large need the operator's review of the app.")


class NotInstallable(Forbidden):
    code = "app_not_installable"
    description = _l("Only live apps can be installed in a group.")

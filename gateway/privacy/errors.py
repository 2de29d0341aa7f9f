"""Errors of leaving and data: exports and account deletion."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class ExportInProgress(ZoneConnectError):
    code = "export_in_progress"
    status = 409
    description = _l("An export of your data is already being prepared: we will mail you when "
                     "it is ready.")


class TooManyExports(ZoneConnectError):
    code = "too_many_exports"
    status = 429
    description = _l("You asked for several exports today: try again tomorrow.")


class ExportLinkInvalid(ZoneConnectError):
    code = "invalid_export_link"
    status = 404
    description = _l("This download link is not valid for your account, or it has expired.")


class DeletionNotScheduled(ZoneConnectError):
    code = "deletion_not_scheduled"
    status = 409
    description = _l("Your account is not scheduled for deletion.")

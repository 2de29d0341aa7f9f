"""Errors of operators' account holds."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class AccountSuspended(ZoneConnectError):
    """The password was right but an operator has deactivated or banned the account."""

    code = "account_suspended"
    status = 403
    description = _l("This account is suspended.")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(_l("This account has been banned.") if kind == "banned" else
                         _l("This account has been deactivated."),
                         code="account_banned" if kind == "banned" else "account_deactivated")


class AccountHoldError(ZoneConnectError):
    """The account is not in a state that allows this decision."""

    code = "invalid_state"
    status = 409
    description = _l("The account is not in a state that allows this.")

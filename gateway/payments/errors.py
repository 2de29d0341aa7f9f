"""Errors of the payments domain."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class OrderNotFound(ZoneConnectError):
    code = "not_found"
    status = 404
    description = _l("No such order.")


class IdempotencyConflict(ZoneConnectError):
    code = "idempotency_conflict"
    status = 409
    description = _l("This Idempotency-Key was already used with a different request.")


class OrderStateError(ZoneConnectError):
    code = "conflict"
    status = 409
    description = _l("The order is not in a state that allows this.")


class AlreadyPaid(OrderStateError):
    code = "already_paid"
    description = _l("This order is already paid.")


class PayScopeMissing(ZoneConnectError):
    code = "insufficient_scope"
    status = 403
    description = _l("The user has not allowed this app to ask for payments (scope pay).")

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description, ret=100030)


class PayPermissionMissing(ZoneConnectError):
    code = "permission_denied"
    status = 403
    description = _l("The app has not been granted the pay permission.")

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description, ret=100031)


class AppAuthRequired(ZoneConnectError):
    code = "invalid_client"
    status = 401
    description = _l("Authenticate with HTTP Basic appid:appkey.")


class NotATestUser(ZoneConnectError):
    code = "sandbox_test_users_only"
    status = 403
    description = _l("The app is in sandbox mode: only its developer and test users can be "
                     "given test coins or pay its sandbox orders.")


class TestBalanceTooHigh(ZoneConnectError):
    __test__ = False  # not a pytest class
    code = "test_balance_limit"
    status = 422
    description = _l("That would give this test user more test coins than allowed.")

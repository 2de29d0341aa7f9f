"""Stripe's error shapes: one exception class rendered as Stripe's JSON error body."""

from __future__ import annotations

from typing import Any


class FakeStripeError(Exception):
    """An API error with Stripe's `type`, `code`, `message`, `param` and an HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def to_dict(self) -> dict[str, Any]:
        """Render as Stripe's `{"error": {...}}` body."""
        error: dict[str, Any] = {}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        error["message"] = self.message
        if self.param is not None:
            error["param"] = self.param
        error.update(self.extra)
        error["type"] = self.type
        return {"error": error}


def invalid(message: str, *, code: str | None = None, param: str | None = None) -> FakeStripeError:
    """A 400 `invalid_request_error`."""
    return FakeStripeError(message, code=code, param=param)


def missing_param(param: str) -> FakeStripeError:
    """Stripe's error for a required parameter that was not sent."""
    return invalid(f"Missing required param: {param}.", code="parameter_missing", param=param)


def unknown_param(param: str) -> FakeStripeError:
    """Stripe's error for a parameter the endpoint does not accept."""
    return invalid(
        f"Received unknown parameter: {param}", code="parameter_unknown", param=param
    )


def resource_missing(kind: str, object_id: str, param: str = "id") -> FakeStripeError:
    """A 404 `resource_missing` for an unknown object id."""
    return FakeStripeError(
        f"No such {kind}: '{object_id}'", status=404, code="resource_missing", param=param
    )


def card_error(message: str, *, code: str, decline_code: str | None = None,
               extra: dict[str, Any] | None = None) -> FakeStripeError:
    """A 402 `card_error` (declines)."""
    details = dict(extra or {})
    if decline_code:
        details["decline_code"] = decline_code
    return FakeStripeError(message, status=402, type="card_error", code=code, extra=details)


def unexpected_state(message: str, *, param: str | None = None) -> FakeStripeError:
    """An object in a state that does not allow the requested operation."""
    return invalid(message, code="payment_intent_unexpected_state", param=param)


def insufficient_balance() -> FakeStripeError:
    """Stripe's `balance_insufficient` error (transfers, payouts)."""
    return invalid(
        "You have insufficient funds in your Stripe account. One likely reason you have "
        "insufficient funds is that your funds are automatically being paid out; try enabling "
        "manual payouts by going to https://dashboard.stripe.com/account/payouts.",
        code="balance_insufficient",
    )


def authentication(message: str) -> FakeStripeError:
    """A 401 for a missing or malformed API key."""
    return FakeStripeError(message, status=401)


def api_error(message: str = "An unknown error occurred", status: int = 500) -> FakeStripeError:
    """A 5xx `api_error` (Stripe's side failed)."""
    return FakeStripeError(message, status=status, type="api_error")

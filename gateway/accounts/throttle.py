"""Throttles for every form that checks a secret a person types: the current password on
/account/password (and any later re-authentication form), the device flow's user code (RFC 8628
§5.1). The login form has its own limits (per account and per address, in accounts.views).

A view marks a failed check with `failed()` (and audits it); only marked responses count, so
honest use never runs into the limit. Counts live in the limiter's storage (Redis in
production), keyed by the signed-in user, else the client's address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g

from gateway.extensions import client_address, limiter


def failed() -> None:
    """Count this request against the throttle of the view serving it."""
    g.secret_check_failed = True


def _marked(response: Response) -> bool:
    return bool(g.get("secret_check_failed"))


def per_user(name: str) -> Callable[[], str]:
    """A limiter key function: the signed-in user, else the client's address."""
    def key() -> str:
        from gateway.accounts.sessions import current_user

        user = current_user()
        return f"{name}:user:{user.id}" if user is not None else f"{name}:addr:{client_address()}"
    return key


def secret_check(name: str, setting: str, methods: list[str] | None = None) -> Any:
    """Limit failed checks of a typed secret per user (or address) to the setting's rate."""
    return limiter.limit(lambda: str(current_app.config[setting]), key_func=per_user(name),
                         methods=methods, deduct_when=_marked)

"""Who may see the revenue pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort
from flask.typing import ResponseReturnValue

from gateway.accounts.models import User
from gateway.accounts.sessions import current_user
from gateway.accounts.views import login_required


def me() -> User:
    """The logged-in user (the decorators below guarantee one)."""
    user = current_user()
    assert user is not None
    return user


def admin_only(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Operators only: anyone else gets 403."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not me().is_admin:
            abort(403)
        return view(*args, **kwargs)
    return login_required(wrapped)

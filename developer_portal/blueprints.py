"""The portal's blueprints and the guards every view goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.accounts.views import login_required
from gateway.developers import services
from gateway.errors import Forbidden
from gateway.i18n import _
from gateway.mfa.flow import operator_factor_required

developer = Blueprint("developer", __name__, url_prefix="/developer",
                      template_folder="templates", static_folder="static",
                      static_url_path="/static")
admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
manage = Blueprint("manage", __name__, url_prefix="/api/v1/manage")


def me() -> User:
    """The logged-in user (views behind a guard only)."""
    user = sessions.current_user()
    assert user is not None
    return user


def developer_required(view: Callable[..., ResponseReturnValue]
                       ) -> Callable[..., ResponseReturnValue]:
    """Logged in and with a developer profile; others are sent to open one."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if services.profile_of(me()) is None:
            return redirect(url_for("developer.index"))
        return view(*args, **kwargs)
    return login_required(wrapped)


def admin_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Operators only: anybody else logged in gets 403."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not me().is_admin:
            raise Forbidden(_("The operator console is for platform operators."))
        if (ask := operator_factor_required()) is not None:
            return ask  # operators act only with a second factor checked in this session
        return view(*args, **kwargs)
    return login_required(wrapped)

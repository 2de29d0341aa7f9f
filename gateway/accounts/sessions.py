"""Who is logged in: the signed session cookie and the current user."""

from __future__ import annotations

import time

from flask import g, session

from gateway.accounts.models import User
from gateway.extensions import db


def login(user: User) -> None:
    """Start a fresh session for this user (a new session defeats fixation)."""
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    session["auth_time"] = int(time.time())
    g.pop("current_user", None)


def logout() -> None:
    """End the session."""
    session.clear()
    g.pop("current_user", None)


def current_user() -> User | None:
    """The logged-in user, or None (sessions from before a password change are dropped)."""
    if "current_user" in g:
        return g.current_user
    user = None
    uid = session.get("uid")
    if isinstance(uid, int):
        user = db.session.get(User, uid)
        if user is None or not user.is_active or user.session_epoch != session.get("epoch"):
            session.clear()
            user = None
    g.current_user = user
    return user


def auth_time() -> int | None:
    """When the current session's user last typed their password (unix seconds)."""
    value = session.get("auth_time")
    return value if isinstance(value, int) else None

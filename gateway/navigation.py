"""The top navigation: each domain adds its links; the base template shows those that apply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import LazyString

from gateway.accounts.models import User
from gateway.accounts.sessions import current_user
from gateway.i18n import _l


@dataclass(frozen=True)
class NavItem:
    label: str | LazyString
    endpoint: str
    when: Callable[[User], bool]


def add_link(app: Flask, label: str | LazyString, endpoint: str,
             when: Callable[[User], bool] = lambda user: True) -> None:
    """Show a link to `endpoint` to logged-in users for whom `when(user)` holds."""
    app.extensions.setdefault("zc_nav", []).append(NavItem(label, endpoint, when))


def nav_links(user: User) -> list[dict[str, str]]:
    """The links this user sees, in registration order."""
    items = current_app.extensions.get("zc_nav", [])
    return [{"label": str(i.label), "url": url_for(i.endpoint)} for i in items if i.when(user)]


def init_app(app: Flask) -> None:
    """Make `current_user()` and `nav_links()` available in every template."""
    def globals_() -> dict[str, Any]:
        return {"current_user": current_user, "nav_links": nav_links}

    app.context_processor(globals_)
    add_link(app, _l("Profile"), "accounts.profile")
    add_link(app, _l("Security"), "mfa.security")

"""The one registry of scopes: it feeds the consent page, discovery and permission review."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import force_locale

from gateway.i18n import N_, _


@dataclass(frozen=True)
class Scope:
    name: str
    words: str  # plain English words for users; the catalog holds the Chinese (see `description`)
    granted_by_default: bool = False  # every app has it without review
    oidc: bool = False

    @property
    def description(self) -> str:
        """The words in the reader's language (consent page, authorized apps, portal)."""
        return _(self.words)

    def described_in(self, locale: str) -> str:
        """The words in a given locale (a key of gateway.i18n.LANGUAGES), whatever the request."""
        with force_locale(locale):
            return _(self.words)


SCOPES: dict[str, Scope] = {s.name: s for s in (
    Scope("get_user_info", N_("See your nickname, gender, region and avatar"), True),
    Scope("get_simple_userinfo", N_("See your nickname and avatar"), True),
    Scope("openid", N_("Know who you are (a stable ID for this app)"), True, oidc=True),
    Scope("profile", N_("See your nickname, gender, region and avatar"), True, oidc=True),
    Scope("email", N_("See your email address and whether it is verified"), True, oidc=True),
    Scope("add_share", N_("Share links to your feed")),
    Scope("get_vip_info", N_("See your membership level")),
    Scope("list_album", N_("See the list of your photo albums")),
    Scope("upload_pic", N_("Upload photos to your albums")),
    Scope("add_album", N_("Create photo albums")),
    Scope("check_page_fans", N_("Check whether you are friends with a page's account")),
    Scope("get_group_list", N_("See which of your groups have this app installed")),
    Scope("get_group_info", N_("See the name and description of your groups that have this app")),
    Scope("get_group_members",
          N_("See which members of your groups also use this app (only those who allowed it)")),
    Scope("send_group_msg", N_("Post messages in your groups that have this app, marked as from "
                            "the app")),
    Scope("pay", N_("Ask you to pay with your coins (you confirm every payment)")),
)}

DEFAULT_SCOPE = "get_user_info"
DEFAULT_APP_SCOPES = frozenset(n for n, s in SCOPES.items() if s.granted_by_default)
SEPARATORS = re.compile(r"[,\s+]+")


def parse(raw: str | None) -> list[str]:
    """Split a scope parameter on commas, spaces or '+', keeping order and dropping repeats."""
    seen: dict[str, None] = {}
    for name in SEPARATORS.split(raw or ""):
        if name:
            seen.setdefault(name, None)
    return list(seen)


def unknown(names: list[str]) -> list[str]:
    """The names that are not scopes of the platform."""
    return [n for n in names if n not in SCOPES]

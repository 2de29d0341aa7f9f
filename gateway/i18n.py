"""Languages: Flask-Babel bound to the app, the locale chosen per request, the marking functions.

Every string shown to people is marked: `_("...")` (or `_l("...")` where it is evaluated at import
time, as in form classes) in Python, `{{ _("...") }}` in templates. Catalogs live in
`gateway/translations/<locale>/LC_MESSAGES/messages.po`; `make translations` extracts and updates
them, `make install` compiles them (the compiled `.mo` files are shipped too).

The locale, first that applies: the language saved on the logged-in account, the `zc_lang`
cookie (a visitor's choice from the language switch), the OIDC `ui_locales` of the authorization
request being served (kept through the login page), `Accept-Language`, then `ZC_DEFAULT_LOCALE`
(Simplified Chinese). Wire-format endpoints (QQ legacy bodies, OAuth protocol
JSON) are rendered in English whatever the request asks (`wire_format`), so their bytes never
depend on the reader.

Times are stored as naive UTC and shown in the account's time zone (`ZC_DEFAULT_TIMEZONE`,
Asia/Shanghai, for visitors and accounts that chose none).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from babel.dates import format_skeleton
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    gettext,
    lazy_gettext,
    ngettext,
)
from markupsafe import Markup

# Locale identifiers as Babel spells them, with the tag <html lang> and ui_locales use.
LANGUAGES: dict[str, str] = {"zh_Hans": "zh-Hans", "en": "en"}
LANGUAGE_NAMES: dict[str, str] = {"zh_Hans": "简体中文", "en": "English"}
LANGUAGE_COOKIE = "zc_lang"
DEFAULT_TIMEZONE = "Asia/Shanghai"

_ = gettext
_l = lazy_gettext


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark a string for extraction without translating it here (translated where shown)."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Mark a singular/plural pair for extraction (`ngettext` translates it where shown)."""
    return singular, plural


__all__ = ["LANGUAGES", "LANGUAGE_COOKIE", "NP_", "N_", "_", "_l", "html_lang", "init_app",
           "ngettext", "select_locale", "wire_format"]

# Set by the accounts domain: the logged-in user's (locale, timezone) choices, or (None, None).
Preferences = Callable[[], tuple[str | None, str | None]]


def _from_tag(tag: str) -> str | None:
    """The supported locale a BCP 47 tag asks for (zh, zh-Hans-CN -> zh_Hans; en-GB -> en)."""
    parts = tag.strip().replace("_", "-").lower().split("-")
    if not parts or not parts[0]:
        return None
    if parts[0] == "zh":
        # Traditional Chinese is not offered; Simplified is the closest thing a reader gets.
        return "zh_Hans"
    if parts[0] == "en":
        return "en"
    return None


def _preferences() -> tuple[str | None, str | None]:
    loader: Preferences | None = current_app.extensions.get("zc_preferences")
    return loader() if loader else (None, None)


AUTHORIZE_PATHS = ("/oauth2.0/authorize", "/oauth2/authorize")


def ui_locales() -> str:
    """`ui_locales` of the authorization request served, also while the login page is between."""
    value = g.get("ui_locales") or request.args.get("ui_locales", "")
    if value:
        return str(value)
    # The login page carries the authorization request in `next` (query on GET, form on POST).
    target = request.args.get("next") or (request.form.get("next", "") if request.method == "POST"
                                          and request.path == "/login" else "")
    parts = urlsplit(target or "")
    if parts.path in AUTHORIZE_PATHS:
        return parse_qs(parts.query).get("ui_locales", [""])[0]
    return ""


def select_locale() -> str:
    """The locale of this request (see the module docstring for the order)."""
    default = str(current_app.config["ZC_DEFAULT_LOCALE"])
    if not has_request_context():
        return default
    if request.endpoint in current_app.extensions.get("zc_wire_endpoints", ()):
        return "en"
    saved, _zone = _preferences()
    if saved in LANGUAGES:
        return str(saved)
    choice = request.cookies.get(LANGUAGE_COOKIE, "")
    if choice in LANGUAGES:
        return choice
    for tag in ui_locales().split():
        found = _from_tag(tag)
        if found:
            return found
    for tag, _quality in request.accept_languages:
        found = _from_tag(tag)
        if found:
            return found
    return default


def select_timezone() -> str:
    """The account's time zone, else the platform's."""
    if has_request_context():
        _lang, zone = _preferences()
        if zone:
            return zone
    return str(current_app.config.get("ZC_DEFAULT_TIMEZONE")
               or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE)


def wire_format(app: Flask, *endpoints: str) -> None:
    """These endpoints answer in a fixed wire format (QQ legacy bodies, OAuth protocol JSON,
    whose descriptions RFC 6749 keeps ASCII): any text in them is rendered in English."""
    app.extensions.setdefault("zc_wire_endpoints", set()).update(endpoints)


def _catalog() -> Any:
    """This request's translations, resolved once: Flask-Babel resolves the locale and the
    catalog again on every call, and a page makes dozens (the login page's budget: bench/)."""
    if not has_request_context():
        return get_translations()
    found = getattr(request, "_zc_catalog", None)
    if found is None:
        found = get_translations()
        request._zc_catalog = found  # type: ignore[attr-defined]
    return found


def html_lang() -> str:
    """The `<html lang>` value of the current locale."""
    if has_request_context() and (cached := getattr(request, "_zc_html_lang", None)):
        return str(cached)
    locale = get_locale()
    tag = LANGUAGES["zh_Hans" if locale is not None and locale.language == "zh" else "en"]
    if has_request_context():
        request._zc_html_lang = tag  # type: ignore[attr-defined]
    return tag


def current_language() -> str:
    """The current locale as a key of LANGUAGES."""
    return "zh_Hans" if html_lang() == "zh-Hans" else "en"


def when(value: datetime | date | str | None, *, time: bool = True) -> str:
    """A stored UTC datetime (or a date, or an ISO date) for the reader: their locale, their
    time zone (2026年12月2日 16:30:00, Dec 2, 2026, 4:30:00 PM)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        if not time:
            return format_date(value, "long")  # rebased to the reader's time zone first
        return format_datetime(value, "medium")
    return format_date(value, "long")


def time_tag(value: datetime | None) -> Markup:
    """`<time datetime="...Z">` around `when(value)`: the reader's words, the machine's instant."""
    if value is None:
        return Markup("")
    stamp = value.replace(microsecond=0).isoformat() + "Z"
    return Markup('<time datetime="%s">%s</time>') % (stamp, when(value))


def short_day(value: date) -> str:
    """A day without its year for chart axes, as the reader's locale writes it (Dec 02, 12月2日)."""
    locale = get_locale()
    if locale is not None and locale.language == "zh":
        return format_skeleton("MMMd", value, locale=locale)
    return value.strftime("%b %d")


def number(value: int | float | Decimal | None) -> str:
    """A number grouped for the reader's locale."""
    return "" if value is None else format_decimal(value)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and make the language helpers available in every template."""
    app.config.setdefault("ZC_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE)
    _check_settings(app)
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Templates look their strings up in this request's catalog directly (see _catalog);
    # Jinja's newstyle gettext still escapes and fills in the %(name)s placeholders.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n), newstyle=True)
    app.jinja_env.globals.update(html_lang=html_lang, LANGUAGE_NAMES=LANGUAGE_NAMES,
                                 current_language=current_language, when=when, time_tag=time_tag)
    app.jinja_env.filters.update(when=when, number=number)


def _check_settings(app: Flask) -> None:
    """A misspelt language or zone fails at start-up, not on the first page."""
    from zoneinfo import available_timezones

    from gateway.config import ConfigError

    if app.config["ZC_DEFAULT_LOCALE"] not in LANGUAGES:
        raise ConfigError(f"ZC_DEFAULT_LOCALE must be one of {', '.join(LANGUAGES)}")
    if app.config["ZC_DEFAULT_TIMEZONE"] not in available_timezones():
        raise ConfigError("ZC_DEFAULT_TIMEZONE must be an IANA time zone (e.g. Asia/Shanghai)")


def set_preferences(app: Flask, loader: Preferences) -> None:
    """Let a domain (accounts) tell the locale selector what the logged-in user chose."""
    app.extensions["zc_preferences"] = loader


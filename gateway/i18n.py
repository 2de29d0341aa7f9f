"""Languages: Flask-Babel bound to the app, the locale chosen per request, the marking functions.

Every string shown to people is marked: `_("...")` (or `_l("...")` where it is evaluated at import
time, as in form classes) in Python, `{{ _("...") }}` in templates. Catalogs live in
`gateway/translations/<locale>/LC_MESSAGES/messages.po`; `make translations` extracts and updates
them, `make install` compiles them.

The locale, first that applies: an explicit choice (the `zc_lang` cookie, set by the language
switch), the OIDC `ui_locales` of the authorization request being served, `Accept-Language`, then
`ZC_DEFAULT_LOCALE` (Simplified Chinese).
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext

# Locale identifiers as Babel spells them, with the tag <html lang> and ui_locales use.
LANGUAGES: dict[str, str] = {"zh_Hans": "zh-Hans", "en": "en"}
LANGUAGE_NAMES: dict[str, str] = {"zh_Hans": "简体中文", "en": "English"}
LANGUAGE_COOKIE = "zc_lang"

_ = gettext
_l = lazy_gettext

__all__ = ["LANGUAGES", "LANGUAGE_COOKIE", "_", "_l", "html_lang", "init_app", "ngettext",
           "select_locale"]


def _from_tag(tag: str) -> str | None:
    """The supported locale a tag asks for (zh, zh-CN, zh-Hans-CN -> zh_Hans; en-GB -> en)."""
    parts = tag.strip().replace("_", "-").lower().split("-")
    if not parts or not parts[0]:
        return None
    if parts[0] == "zh":
        # Traditional Chinese is not offered; Simplified is the closest thing a reader gets.
        return "zh_Hans"
    if parts[0] == "en":
        return "en"
    return None


def select_locale() -> str:
    """The locale of this request (see the module docstring for the order)."""
    from flask import current_app, has_request_context

    if not has_request_context():  # a CLI command or the worker: the platform's default
        return str(current_app.config["ZC_DEFAULT_LOCALE"])
    choice = request.cookies.get(LANGUAGE_COOKIE, "")
    if choice in LANGUAGES:
        return choice
    for tag in (g.get("ui_locales") or request.args.get("ui_locales", "")).split():
        found = _from_tag(tag)
        if found:
            return found
    for tag, _quality in request.accept_languages:
        found = _from_tag(tag)
        if found:
            return found
    from flask import current_app
    return str(current_app.config["ZC_DEFAULT_LOCALE"])


def html_lang() -> str:
    """The `<html lang>` value of the current locale."""
    locale = get_locale()
    key = "zh_Hans" if locale is not None and locale.language == "zh" else "en"
    return LANGUAGES[key]


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and make the language helpers available in every template."""
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(html_lang=html_lang, LANGUAGE_NAMES=LANGUAGE_NAMES)

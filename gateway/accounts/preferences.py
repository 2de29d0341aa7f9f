"""Language and time zone choices: the header's language switch, saved on the account or in a
cookie for visitors, and what the locale selector reads back."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, Flask, redirect, request
from flask.typing import ResponseReturnValue

from gateway import i18n
from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.extensions import db

bp = Blueprint("language", __name__)

COOKIE_MAX_AGE = 365 * 24 * 3600


def user_preferences() -> tuple[str | None, str | None]:
    """The logged-in user's saved language and time zone, or (None, None) for visitors."""
    from flask import session

    if sessions.SESSION_KEY not in session:  # visitors and API calls: no database read
        return None, None
    user = sessions.current_user()
    if user is None:
        return None, None
    return user.language, user.timezone


def set_language(user: User, locale: str | None) -> None:
    """Save the language a user chose (a key of i18n.LANGUAGES; None: follow the browser).
    Mail follows it too (`locale` is the language mail is written in)."""
    if locale is not None and locale not in i18n.LANGUAGES:
        raise ValueError(f"unsupported locale {locale!r}")
    user.language = locale
    if locale is not None:
        user.locale = locale
    db.session.flush()


def set_timezone(user: User, zone: str) -> None:
    """Save the IANA time zone pages show the user's times in (stored times stay UTC)."""
    if not valid_timezone(zone):
        raise ValueError(f"unknown time zone {zone!r}")
    user.timezone = zone
    db.session.flush()


def valid_timezone(name: str) -> bool:
    """An IANA time zone name this system knows."""
    return name in _zones()


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def timezone_choices() -> list[str]:
    """Every known IANA zone, sorted, for the profile form."""
    return sorted(_zones())


@bp.post("/language")
def switch() -> ResponseReturnValue:
    """The language switch: remember the choice (account and cookie) and go back."""
    from gateway.accounts.views import safe_next

    choice = request.form.get("lang", "")
    target = safe_next(request.form.get("return_to"))
    response = redirect(target)
    if choice not in i18n.LANGUAGES:
        return response  # an unknown value changes nothing
    user = sessions.current_user()
    if user is not None:
        set_language(user, choice)
        db.session.commit()
    response.set_cookie(i18n.LANGUAGE_COOKIE, choice, max_age=COOKIE_MAX_AGE, samesite="Lax",
                        secure=request.is_secure, httponly=True)
    return response


def init_app(app: Flask) -> None:
    """Tell the locale selector about accounts and serve the language switch."""
    i18n.set_preferences(app, user_preferences)
    app.register_blueprint(bp)

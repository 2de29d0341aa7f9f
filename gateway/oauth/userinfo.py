"""OIDC claims from a user's profile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway import i18n
from gateway.accounts.models import User
from gateway.extensions import db
from gateway.oauth.authorize import issuer
from gateway.openapi.profile import ProfileSource, build_profile, oidc_claims

PROFILE_SCOPES = {"profile", "get_user_info", "get_simple_userinfo"}


def avatar_url(user: User, size: int = 100) -> str:
    """The absolute URL of the user's avatar at one size."""
    return f"{issuer()}/avatars/{user.avatar_key}/{size}"


def email_claims(user: User | None, scopes: list[str] | frozenset[str]) -> dict[str, Any]:
    """email and email_verified when the `email` scope was granted and the account has one."""
    if "email" not in scopes or user is None or not user.email:
        return {}
    return {"email": user.email, "email_verified": user.email_verified}


def profile_claims(user: ProfileSource, scopes: list[str] | frozenset[str]) -> dict[str, Any]:
    """name/nickname, gender, picture, locale, zoneinfo when a profile scope was granted.

    `locale` is the account's own language as a BCP 47 tag (`zh-Hans`, `en`): the one chosen
    with the language switch, else the one the person last used on the site, else left out;
    `zoneinfo` is the account's time zone (the profile page's; `Asia/Shanghai` until changed).
    """
    if not PROFILE_SCOPES & set(scopes):
        return {}
    # The same profile service as /user/get_user_info and /api/v1/me.
    claims = oidc_claims(build_profile(user))
    language, zone = _language_and_zone(user)
    if language in i18n.LANGUAGES:
        claims["locale"] = i18n.LANGUAGES[language]
    claims["zoneinfo"] = zone or i18n.DEFAULT_TIMEZONE
    return claims


def _language_and_zone(user: ProfileSource) -> tuple[str | None, str | None]:
    """The account's language (a key of i18n.LANGUAGES) and time zone; a token's profile
    columns do not carry them, so they are read by its username."""
    if isinstance(user, User):
        return user.language or user.locale, user.timezone
    username = getattr(user, "username", None)
    row = None if username is None else db.session.execute(
        select(User.language, User.locale, User.timezone).where(User.username == username)).first()
    if row is None:
        return None, None
    return row.language or row.locale, row.timezone

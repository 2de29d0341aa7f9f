"""OIDC claims from a user's profile."""

from __future__ import annotations

from typing import Any

from gateway.accounts.models import User
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
    """name/nickname, gender, picture, locale, zoneinfo when a profile scope was granted."""
    if not PROFILE_SCOPES & set(scopes):
        return {}
    # The same profile service as /user/get_user_info and /api/v1/me.
    return oidc_claims(build_profile(user))

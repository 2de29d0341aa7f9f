"""The one user-info service: a profile built from the User row, shaped three ways.

Legacy `/user/*` (QQ field names, every value typed as the wire spec says), REST `/api/v1/me`
(docs/api-contract.md) and OIDC `/oauth2/userinfo` claims all come from `build_profile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from gateway import public_url
from gateway.accounts.avatars import SIZES

GENDER_ZH = {"male": "男", "female": "女"}
# QQ's gender_type: 1 female, 2 male (an unknown gender reads as the default "男").
GENDER_TYPE = {"男": 2, "女": 1}


def base_url() -> str:
    """The platform's public base URL (ZC_PUBLIC_URL; the Host header only outside production)."""
    return public_url.public_url()


@dataclass(frozen=True)
class Profile:
    """What the platform says about a user to an app."""

    nickname: str
    gender: str  # "male", "female" or "unknown"
    province: str
    city: str
    birth_year: int | None
    avatars: dict[int, str]


class ProfileSource(Protocol):
    """What a profile is built from: a User row, or the columns read with a token."""

    @property
    def display_name(self) -> str: ...
    @property
    def gender(self) -> str | None: ...
    @property
    def province(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def birth_year(self) -> int | None: ...
    @property
    def avatar_key(self) -> str: ...


def build_profile(user: ProfileSource) -> Profile:
    """The user's profile with absolute avatar URLs for every size."""
    base = base_url()
    avatars = {size: f"{base}/avatars/{user.avatar_key}/{size}" for size in SIZES}
    gender = user.gender if user.gender in GENDER_ZH else "unknown"
    return Profile(nickname=user.display_name, gender=gender, province=user.province or "",
                   city=user.city or "", birth_year=user.birth_year, avatars=avatars)


VIP_FIELDS: dict[str, str] = {"is_yellow_vip": "0", "vip": "0", "yellow_vip_level": "0",
                              "level": "0", "is_yellow_year_vip": "0"}


def legacy_user_info(profile: Profile) -> dict[str, Any]:
    """get_user_info: the QQ fields in QQ's order, numbers and strings exactly as the spec says."""
    gender = GENDER_ZH.get(profile.gender, "男")
    a = profile.avatars
    return {"ret": 0, "msg": "", "is_lost": 0, "nickname": profile.nickname, "gender": gender,
            "gender_type": GENDER_TYPE[gender], "province": profile.province,
            "city": profile.city, "year": str(profile.birth_year or 0), "constellation": "",
            "figureurl": a[30], "figureurl_1": a[50], "figureurl_2": a[100],
            "figureurl_qq_1": a[40], "figureurl_qq_2": a[100], "figureurl_qq": a[640],
            "figureurl_type": "1", **VIP_FIELDS}


def legacy_simple_userinfo(profile: Profile) -> dict[str, Any]:
    """get_simple_userinfo: nickname and avatars only (what its scope promises the user)."""
    a = profile.avatars
    return {"ret": 0, "msg": "", "is_lost": 0, "nickname": profile.nickname,
            "figureurl_qq_1": a[40], "figureurl_qq_2": a[100], "figureurl_qq": a[640]}


def legacy_vip_info() -> dict[str, Any]:
    """get_vip_info: the platform has no paid membership, so every level is "0"."""
    return {"ret": 0, "msg": "", **VIP_FIELDS}


def rest_me(profile: Profile, openid: str | None, unionid: str | None) -> dict[str, Any]:
    """GET /api/v1/me as docs/api-contract.md shapes it."""
    return {"openid": openid, "unionid": unionid, "nickname": profile.nickname,
            "gender": profile.gender, "province": profile.province, "city": profile.city,
            "birth_year": profile.birth_year,
            "avatars": {str(size): url for size, url in sorted(profile.avatars.items())}}


def oidc_claims(profile: Profile) -> dict[str, Any]:
    """Standard OIDC profile claims (gender only when the user set one; the account's locale and
    zoneinfo are added by gateway/oauth/userinfo.py)."""
    claims: dict[str, Any] = {"name": profile.nickname, "nickname": profile.nickname,
                              "picture": profile.avatars[100]}
    if profile.gender != "unknown":
        claims["gender"] = profile.gender
    return claims

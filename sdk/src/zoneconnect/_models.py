"""Typed, immutable models of what the API returns, and their parsers from JSON."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "AuthorizationRequest",
    "Event",
    "IDTokenClaims",
    "Order",
    "ProviderMetadata",
    "Share",
    "SharePage",
    "Token",
    "UserInfo",
]

#: Seconds before `expires_at` from which a token already counts as expired.
EXPIRY_LEEWAY = 30


def parse_datetime(value: object) -> datetime | None:
    """Parse the contract's ISO 8601 UTC timestamps (`2026-11-22T10:00:00Z`)."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _split_scopes(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(s) for s in value)
    if not isinstance(value, str):
        return ()
    return tuple(s for s in value.replace(",", " ").replace("+", " ").split() if s)


@dataclass(frozen=True)
class Token:
    """An OAuth token set. Immutable: a refresh returns a new Token."""

    access_token: str
    token_type: str = "Bearer"
    refresh_token: str | None = None
    expires_at: int | None = None
    scopes: tuple[str, ...] = ()
    openid: str | None = None
    unionid: str | None = None
    id_token: str | None = None

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return (f"Token(openid={self.openid!r}, scopes={self.scopes!r}, "
                f"expires_at={self.expires_at!r}, refresh_token={'***' if self.refresh_token else None})")

    def is_expired(self, now: float | None = None, leeway: int = EXPIRY_LEEWAY) -> bool:
        """True when the token expires within `leeway` seconds of `now` (default: the time now)."""
        if self.expires_at is None:
            return False
        current = time.time() if now is None else now
        return self.expires_at - leeway <= current

    @property
    def expired(self) -> bool:
        """True when the access token has expired or expires within 30 seconds."""
        return self.is_expired()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (for a session or a database); `Token.from_dict` reads it back."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": " ".join(self.scopes),
            "openid": self.openid,
            "unionid": self.unionid,
            "id_token": self.id_token,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        """Rebuild a Token saved with `to_dict`."""
        expires_at = data.get("expires_at")
        return cls(
            access_token=str(data["access_token"]),
            token_type=str(data.get("token_type") or "Bearer"),
            refresh_token=_str(data.get("refresh_token")),
            expires_at=int(expires_at) if expires_at is not None else None,
            scopes=_split_scopes(data.get("scope", data.get("scopes"))),
            openid=_str(data.get("openid")),
            unionid=_str(data.get("unionid")),
            id_token=_str(data.get("id_token")),
        )

    @classmethod
    def from_response(cls, data: Mapping[str, Any], *, now: float,
                      previous: Token | None = None) -> Token:
        """Parse a token-endpoint JSON answer; fields it omits are carried over from `previous`."""
        expires_in = data.get("expires_in")
        expires_at = int(now) + int(expires_in) if expires_in not in (None, "") else None
        scopes = _split_scopes(data["scope"]) if "scope" in data else ()
        token = cls(
            access_token=str(data["access_token"]),
            token_type=str(data.get("token_type") or "Bearer"),
            refresh_token=_str(data.get("refresh_token")),
            expires_at=expires_at,
            scopes=scopes,
            openid=_str(data.get("openid")),
            unionid=_str(data.get("unionid")),
            id_token=_str(data.get("id_token")),
        )
        if previous is None:
            return token
        return replace(
            token,
            refresh_token=token.refresh_token or previous.refresh_token,
            scopes=token.scopes or previous.scopes,
            openid=token.openid or previous.openid,
            unionid=token.unionid or previous.unionid,
        )


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the user, and what to keep (server side) until the callback."""

    url: str
    state: str
    code_verifier: str
    nonce: str | None
    redirect_uri: str


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of `/.well-known/openid-configuration` the SDK uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str | None = None
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ()
    id_token_signing_alg_values_supported: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderMetadata:
        """Parse a discovery document; `issuer`, `authorization_endpoint`, `token_endpoint` required."""
        return cls(
            issuer=str(data["issuer"]).rstrip("/"),
            authorization_endpoint=str(data["authorization_endpoint"]),
            token_endpoint=str(data["token_endpoint"]),
            jwks_uri=_str(data.get("jwks_uri")),
            userinfo_endpoint=_str(data.get("userinfo_endpoint")),
            revocation_endpoint=_str(data.get("revocation_endpoint")),
            introspection_endpoint=_str(data.get("introspection_endpoint")),
            scopes_supported=_split_scopes(data.get("scopes_supported")),
            code_challenge_methods_supported=_split_scopes(
                data.get("code_challenge_methods_supported")),
            id_token_signing_alg_values_supported=_split_scopes(
                data.get("id_token_signing_alg_values_supported")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class IDTokenClaims:
    """The verified claims of an id_token."""

    sub: str
    iss: str
    aud: str | tuple[str, ...]
    exp: int
    iat: int | None
    nonce: str | None
    auth_time: int | None
    claims: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class UserInfo:
    """The user's profile from `GET /api/v1/me`."""

    openid: str
    unionid: str | None
    nickname: str
    gender: str
    province: str | None
    city: str | None
    birth_year: int | None
    avatars: Mapping[str, str]

    @property
    def avatar(self) -> str | None:
        """The 100 px avatar URL (or the largest available)."""
        if "100" in self.avatars:
            return self.avatars["100"]
        sizes = sorted(self.avatars, key=lambda s: int(s) if s.isdigit() else 0)
        return self.avatars[sizes[-1]] if sizes else None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UserInfo:
        """Parse the `/api/v1/me` body."""
        avatars = data.get("avatars") or {}
        birth_year = data.get("birth_year")
        return cls(
            openid=str(data["openid"]),
            unionid=_str(data.get("unionid")),
            nickname=str(data.get("nickname") or ""),
            gender=str(data.get("gender") or "unknown"),
            province=_str(data.get("province")),
            city=_str(data.get("city")),
            birth_year=int(birth_year) if birth_year is not None else None,
            avatars={str(k): str(v) for k, v in dict(avatars).items()},
        )


@dataclass(frozen=True)
class Share:
    """A share posted by this app for a user."""

    id: str
    title: str
    url: str
    summary: str | None
    comment: str | None
    images: tuple[str, ...]
    site: str | None
    fromurl: str | None
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Share:
        """Parse one share object."""
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            url=str(data.get("url") or ""),
            summary=_str(data.get("summary")),
            comment=_str(data.get("comment")),
            images=tuple(str(i) for i in data.get("images") or ()),
            site=_str(data.get("site")),
            fromurl=_str(data.get("fromurl")),
            created_at=parse_datetime(data.get("created_at")),
        )


@dataclass(frozen=True)
class SharePage:
    """One page of `shares.list`; pass `next_before` as `before=` for the next page."""

    data: tuple[Share, ...]
    has_more: bool

    @property
    def next_before(self) -> str | None:
        """The cursor for the next page, or None on the last page."""
        return self.data[-1].id if self.has_more and self.data else None


@dataclass(frozen=True)
class Order:
    """A payment order for a virtual good."""

    order_id: str
    status: str
    amount: int
    item_id: str
    item_name: str
    openid: str
    confirm_url: str | None
    notify_url: str | None
    created_at: datetime | None
    paid_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Order:
        """Parse one order object."""
        return cls(
            order_id=str(data["order_id"]),
            status=str(data["status"]),
            amount=int(data["amount"]),
            item_id=str(data.get("item_id") or ""),
            item_name=str(data.get("item_name") or ""),
            openid=str(data.get("openid") or ""),
            confirm_url=_str(data.get("confirm_url")),
            notify_url=_str(data.get("notify_url")),
            created_at=parse_datetime(data.get("created_at")),
            paid_at=parse_datetime(data.get("paid_at")),
            refunded_at=parse_datetime(data.get("refunded_at")),
        )


@dataclass(frozen=True)
class Event:
    """A verified webhook event (`order.paid`, `order.refunded`, `user.deauthorized`)."""

    id: str
    type: str
    created: int
    data: Mapping[str, Any]

    @property
    def order(self) -> Order | None:
        """The order carried by an `order.*` event, parsed."""
        return Order.from_json(self.data) if self.type.startswith("order.") else None

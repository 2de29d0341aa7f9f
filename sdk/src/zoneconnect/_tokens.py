"""OAuth and OpenID Connect models: tokens, authorization requests, provider metadata."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ._models import opt_str as _str
from ._models import split_scopes as _split_scopes

__all__ = ["AuthorizationRequest", "IDTokenClaims", "ProviderMetadata", "Token"]

#: Seconds before `expires_at` from which a token already counts as expired.
EXPIRY_LEEWAY = 30


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
        refresh = "'***'" if self.refresh_token else "None"
        return (f"Token(access_token='***', openid={self.openid!r}, scopes={self.scopes!r}, "
                f"expires_at={self.expires_at!r}, refresh_token={refresh})")

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
        """A JSON-serialisable dict (for a session or database); `Token.from_dict` reads it."""
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
    pushed_authorization_request_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ()
    id_token_signing_alg_values_supported: tuple[str, ...] = ()
    end_session_endpoint: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderMetadata:
        """Parse a discovery document (issuer, authorization and token endpoints required)."""
        return cls(
            issuer=str(data["issuer"]).rstrip("/"),
            authorization_endpoint=str(data["authorization_endpoint"]),
            token_endpoint=str(data["token_endpoint"]),
            jwks_uri=_str(data.get("jwks_uri")),
            userinfo_endpoint=_str(data.get("userinfo_endpoint")),
            revocation_endpoint=_str(data.get("revocation_endpoint")),
            introspection_endpoint=_str(data.get("introspection_endpoint")),
            pushed_authorization_request_endpoint=_str(
                data.get("pushed_authorization_request_endpoint")),
            scopes_supported=_split_scopes(data.get("scopes_supported")),
            code_challenge_methods_supported=_split_scopes(
                data.get("code_challenge_methods_supported")),
            id_token_signing_alg_values_supported=_split_scopes(
                data.get("id_token_signing_alg_values_supported")),
            end_session_endpoint=_str(data.get("end_session_endpoint")),
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
class LogoutTokenClaims:
    """The verified claims of a back-channel logout token: who to sign out (the ZoneConnect
    session `sid`, and/or every session of the user `sub`)."""

    iss: str
    aud: str | tuple[str, ...]
    iat: int
    exp: int
    jti: str
    sid: str | None
    sub: str | None
    claims: Mapping[str, Any] = field(repr=False, compare=False)

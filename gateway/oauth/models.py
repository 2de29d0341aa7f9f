"""Authorization codes, tokens and signing keys. Secrets are stored only as SHA-256 digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow


class OAuthCode(db.Model):
    """A single-use authorization code, bound to app, redirect URI and PKCE challenge."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))
    nonce: Mapped[str | None] = mapped_column(String(255))
    auth_time: Mapped[int | None]
    # The session's authentication methods (space-separated OIDC amr values) for the id_token.
    amr: Mapped[str | None] = mapped_column(String(64))
    # The opaque session id (sessions.public_sid) of the login that approved it: the id_token's sid.
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    # RFC 8707: the resource the authorization request named; the token's audience.
    resource: Mapped[str | None] = mapped_column(String(255))
    # DPoP (RFC 9449 §10): the key thumbprint the code may be redeemed with (authorize's dpop_jkt).
    dpop_jkt: Mapped[str | None] = mapped_column(String(43))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]

    # Authlib's AuthorizationCodeMixin / OIDC AuthorizationCodeMixin
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return " ".join(self.scopes)

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int | None:
        return self.auth_time

    def get_acr(self) -> str | None:
        from gateway.mfa.state import acr_for

        return acr_for(self.amr.split()) if self.amr else None

    def get_amr(self) -> list[str] | None:
        return self.amr.split() if self.amr else None


class OAuthToken(db.Model):
    """An access token and its (optional) refresh token; rotations share a `family`."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    access_digest: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    openid: Mapped[str | None] = mapped_column(String(32))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_type: Mapped[str] = mapped_column(String(40), default="authorization_code")
    family: Mapped[str] = mapped_column(String(32), index=True)
    # When the family's first pair was issued (the login): the family dies ZC_REFRESH_FAMILY_TTL
    # seconds later, however often it rotated.
    family_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    parent_id: Mapped[int | None]
    code_id: Mapped[int | None] = mapped_column(index=True)
    # The session (sessions.public_sid) whose login issued the family's code, kept through
    # rotations: a session's end finds the apps it logged into (OIDC Back-Channel Logout).
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    refresh_expires_at: Mapped[datetime | None]
    # Set when the refresh token was exchanged for a new pair (single use).
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # RFC 8707 / 8693: the resource or app the token is meant for (None: the platform's API).
    audience: Mapped[str | None] = mapped_column(String(255))
    # RFC 8693 delegation: the actor ({"sub", "client_id"}, nested "act") a token was issued to.
    act: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # DPoP (RFC 9449): the thumbprint of the key the pair is bound to (`cnf.jkt`); None: Bearer.
    jkt: Mapped[str | None] = mapped_column(String(43))

    # Authlib's TokenMixin (refresh grant, revocation, introspection)
    def check_client(self, client: object) -> bool:
        return getattr(client, "app_id", None) == self.app_id

    def get_scope(self) -> str:
        return " ".join(self.scopes)

    def get_expires_in(self) -> int:
        return max(0, int((self.expires_at - self.created_at).total_seconds()))

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PushedRequest(db.Model):
    """A pushed authorization request (RFC 9126): the parameters an app sent, validated, to the
    PAR endpoint, bound to that app, usable once at /oauth2/authorize through the request_uri it
    was given. Only the SHA-256 digest of the request_uri's random part is kept."""

    __tablename__ = "oauth_pushed_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri_digest: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    parameters: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The browser must open it by then (the `expires_in` the app was told) ...
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # ... and once opened, login and consent have until ZC_PAR_FLOW_TTL after this moment.
    opened_at: Mapped[datetime | None]
    # Set when the authorization response went back to the app: never usable again.
    used_at: Mapped[datetime | None]


class SigningKey(db.Model):
    """A private key that signs id_tokens; published in the JWKS until `retire_after`."""

    __tablename__ = "oauth_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(8))
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on rotation: no longer signs; still published until this moment.
    retire_after: Mapped[datetime | None]


class DeviceCode(db.Model):
    """An RFC 8628 device authorization: the device polls with `device_code`, the user types
    `user_code` on /device. Both stored as digests."""

    __tablename__ = "oauth_device_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # None while pending; True approved, False refused.
    approved: Mapped[bool | None]
    interval: Mapped[int] = mapped_column(default=5)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_polled_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]

    # Authlib's DeviceCredentialMixin
    def get_client_id(self) -> str:
        from gateway.apps.models import App

        app = db.session.get(App, self.app_id)
        return app.appid if app and app.appid else ""

    def get_scope(self) -> str:
        return " ".join(self.scopes)

    def get_user_code(self) -> int:
        return self.id  # the raw user code is never stored; the grant looks the row up by id

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

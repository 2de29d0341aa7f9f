"""Apps (OAuth clients), the permissions granted to them, and their test users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.extensions import db
from gateway.timeutil import utcnow

ACCESS_TOKEN_FORMATS = ("opaque", "jwt")  # jwt: RFC 9068 access tokens, signed by the platform
APP_TYPES = ("web", "mobile", "native")  # web = confidential; mobile/native = public (PKCE)
STATUSES = ("draft", "in_review", "live", "rejected", "suspended", "deleted")
PERMISSION_STATES = ("requested", "granted", "refused")
FIRST_APPID = 101000000


class App(db.Model):
    """A third-party site or app registered by a developer."""

    __tablename__ = "apps"
    # A developer tells their apps apart by name (the portal refuses a twin with a message).
    __table_args__ = (Index("uq_apps_developer_name", "developer_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appid: Mapped[str | None] = mapped_column(String(16), unique=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), default="other")
    website: Mapped[str] = mapped_column(String(512), default="")
    app_type: Mapped[str] = mapped_column(String(8), default="web")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    appkey_digest: Mapped[str] = mapped_column(String(64))
    # During a key rotation the previous key keeps working until this moment.
    previous_appkey_digest: Mapped[str | None] = mapped_column(String(64))
    previous_appkey_expires_at: Mapped[datetime | None]
    unionid_enabled: Mapped[bool] = mapped_column(default=False)
    deauthorize_url: Mapped[str] = mapped_column(String(512), default="")
    # RP-initiated logout returns only to one of these, matched exactly (OIDC RP-Initiated Logout).
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]")
    # Where the platform POSTs a logout token when a user's session ends (OIDC Back-Channel Logout).
    backchannel_logout_uri: Mapped[str] = mapped_column(
        String(512), default="", server_default="")
    # Logout tokens for this app must carry `sid` (backchannel_logout_session_required).
    backchannel_logout_session_required: Mapped[bool] = mapped_column(
        default=False, server_default=false())
    # Framed by the page that ends a session (OIDC Front-Channel Logout), with iss and sid in
    # its query when the app requires them.
    frontchannel_logout_uri: Mapped[str] = mapped_column(
        String(512), default="", server_default="")
    frontchannel_logout_session_required: Mapped[bool] = mapped_column(
        default=False, server_default=false())
    # Authorization requests only through PAR (RFC 9126): plain authorize requests are refused.
    require_par: Mapped[bool] = mapped_column(default=False, server_default=false())
    # "opaque" (default) or "jwt" (RFC 9068); either way only the token's digest is stored.
    access_token_format: Mapped[str] = mapped_column(
        String(8), default="opaque", server_default="opaque")
    # RFC 8693: the app's backend may exchange its users' tokens for tokens of the developer's
    # other apps, and those apps may be the target of such an exchange (both must opt in).
    token_exchange_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    # DPoP (RFC 9449): the token endpoint issues this app only sender-constrained tokens.
    require_dpop: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Signs callbacks to URLs that are not webhook endpoints (an order's notify_url, the
    # deauthorization URL): it must be usable for HMAC, so it is kept as is.
    webhook_secret: Mapped[str] = mapped_column(String(64), default="")
    # After a rotation the previous secret signs too (a second signature) until this moment.
    previous_webhook_secret: Mapped[str | None] = mapped_column(String(64))
    previous_webhook_secret_expires_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
    # Sandbox mode: orders created meanwhile are paid in test coins (the ledger's test book) by
    # the app's test users only, and carry livemode false. Each order keeps the mode it began in.
    sandbox: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]  # a deleted app stays as a tombstone (appid kept)

    permissions: Mapped[list[AppPermission]] = relationship(
        back_populates="app", cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_public_client(self) -> bool:
        return self.app_type != "web"

    @property
    def is_live(self) -> bool:
        return self.status == "live"

    def granted_scopes(self) -> set[str]:
        return {p.scope for p in self.permissions if p.status == "granted"}


class AppPermission(db.Model):
    """A scope (API permission) an app has applied for, was granted or was refused."""

    __tablename__ = "app_permissions"
    __table_args__ = (UniqueConstraint("app_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    reason: Mapped[str] = mapped_column(Text, default="")
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    app: Mapped[App] = relationship(back_populates="permissions")


class AppTestUser(db.Model):
    """A user allowed to log in to an app before it is live."""

    __tablename__ = "app_test_users"
    __table_args__ = (UniqueConstraint("app_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

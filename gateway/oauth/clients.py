"""The one client-authentication rule of every token endpoint (standard and QQ alike).

Client facts come from the token store (gateway/oauth/store), which may keep them in memory;
the cached store evicts them the moment the app row or its permissions change (in this process
at commit, in the others through NOTIFY), so a suspension or an appkey reset refuses the old key
on the very next request, in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.apps.models import App
from gateway.apps.services import appkey_matches

REFUSED_STATUSES = frozenset({"suspended", "rejected", "deleted"})


@dataclass(frozen=True)
class ClientFacts:
    """The columns of an App that client authentication and token issuance read."""

    app_id: int
    appid: str
    app_type: str
    status: str
    appkey_digest: str
    previous_appkey_digest: str | None
    previous_appkey_expires_at: datetime | None
    developer_id: int
    unionid_enabled: bool
    granted: frozenset[str]
    access_token_format: str = "opaque"  # or "jwt" (RFC 9068)
    token_exchange_enabled: bool = False  # RFC 8693, see gateway/oauth/exchange.py
    require_dpop: bool = False  # DPoP (RFC 9449): only sender-constrained tokens for this app

    @classmethod
    def of(cls, app: App) -> ClientFacts:
        """The facts of a loaded App row."""
        return cls(app.id, app.appid or "", app.app_type, app.status, app.appkey_digest,
                   app.previous_appkey_digest, app.previous_appkey_expires_at,
                   app.developer_id, bool(app.unionid_enabled), frozenset(app.granted_scopes()),
                   app.access_token_format or "opaque", bool(app.token_exchange_enabled),
                   require_dpop=bool(app.require_dpop))

    @property
    def issues_jwt(self) -> bool:
        """Whether this app's access tokens are RFC 9068 JWTs."""
        return self.access_token_format == "jwt"

    @property
    def is_public_client(self) -> bool:
        return self.app_type != "web"

    @property
    def refused(self) -> bool:
        """Suspended or rejected apps cannot authenticate."""
        return self.status in REFUSED_STATUSES

    def key_matches(self, appkey: str | None) -> bool:
        """The current appkey, or the previous one during a rotation overlap (constant time)."""
        return appkey_matches(appkey, self.appkey_digest, self.previous_appkey_digest,
                              self.previous_appkey_expires_at)


class ClientRefused(Exception):
    """Client authentication failed; `reason` is one of the REASONS (each front door maps it
    to its own wire code)."""

    REASONS = ("unknown", "refused", "missing_secret", "wrong_secret")

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def authenticate(client: ClientFacts | None, secret: str | None) -> ClientFacts:
    """The client, when it may use the token endpoints with this secret: known, not refused,
    and either the right appkey (current, or previous during a rotation overlap) or, for a
    public client, no secret at all (PKCE proves possession instead)."""
    if client is None:
        raise ClientRefused("unknown")
    if client.refused:
        raise ClientRefused("refused")
    if client.is_public_client and not secret:
        return client
    if not secret:
        raise ClientRefused("missing_secret")
    if not client.key_matches(secret):
        raise ClientRefused("wrong_secret")
    return client

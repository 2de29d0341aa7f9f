"""Resource-side errors of the open API, each with its REST code, HTTP status and QQ `ret`."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import N_, _l
from gateway.oauth.errors import QQ_DESCRIPTIONS

# Not in the QQ table: ZoneConnect's own code for "this app called this API too often".
RET_RATE_LIMITED = 100050
RATE_LIMITED_MSG = N_("api call rate limit exceeded")


class InsufficientScope(ZoneConnectError):
    """The user did not grant the scope this API needs (re-authorize with it)."""

    code = "insufficient_scope"
    status = 403

    def __init__(self, scope: str) -> None:
        super().__init__(QQ_DESCRIPTIONS[100030], ret=100030)
        self.scope = scope


class PermissionDenied(ZoneConnectError):
    """The app has no permission for this API (apply for it in the portal)."""

    code = "permission_denied"
    status = 403

    def __init__(self, scope: str) -> None:
        super().__init__(QQ_DESCRIPTIONS[100031], ret=100031)
        self.scope = scope


class TokenMismatch(ZoneConnectError):
    """Legacy: `oauth_consumer_key` or `openid` does not belong to the presented token."""

    code = "invalid_token"
    status = 401

    def __init__(self) -> None:
        super().__init__(QQ_DESCRIPTIONS[100016], ret=100016)


class TokenInQuery(ZoneConnectError):
    """REST: Bearer tokens are accepted only in the Authorization header (RFC 6750 §2.1)."""

    code = "invalid_request"
    status = 400
    description = _l("Send the access token in the Authorization header (Bearer), not the URL.")


class RateLimited(ZoneConnectError):
    """The app used up its quota for this API; `retry_after` seconds until it refills."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(_l("This app called this API too often. Retry later."),
                         ret=RET_RATE_LIMITED)
        self.retry_after = max(1, int(retry_after))

"""What authenticates a client at the token endpoints, read fresh with the credential it presents.

The refresh grant reads the refresh token's row and its app's current credentials in one query
(refresh.lookup_refresh), so authenticating the client costs no query of its own. Nothing here is
cached: a suspension or an appkey reset refuses the old key on the very next request, in every
process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.apps.models import App
from gateway.apps.services import appkey_matches

REFUSED_STATUSES = frozenset({"suspended", "rejected"})


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

    @classmethod
    def of(cls, app: App) -> ClientFacts:
        """The facts of a loaded App row."""
        return cls(app.id, app.appid or "", app.app_type, app.status, app.appkey_digest,
                   app.previous_appkey_digest, app.previous_appkey_expires_at,
                   app.developer_id, bool(app.unionid_enabled))

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

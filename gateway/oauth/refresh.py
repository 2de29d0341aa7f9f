"""The refresh grant's common case: a live refresh token, exchanged once, in two statements.

`lookup_refresh` reads the token with its app's current credentials (so authenticating the client
costs no query of its own); `spend` claims it and inserts the next pair of its family. On
PostgreSQL both go to the driver prepared (gateway/driver.py) and the spend is one
statement that commits on its own: two round trips, no BEGIN/COMMIT, no ORM object. Everything
else (unknown, another client's, exchanged, revoked or expired tokens, the grace retry, reuse
detection) takes the full path in tokens.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, cast, insert, select, update

from gateway import driver
from gateway.apps.models import App
from gateway.database import autocommit_engine, session_in_transaction
from gateway.extensions import db
from gateway.identity.services import openid_for
from gateway.oauth import token_cache_events
from gateway.oauth.clients import ClientFacts
from gateway.oauth.models import OAuthToken
from gateway.oauth.tokens import Issued, setting
from gateway.observability import metrics
from gateway.security.secrets import digest, new_hex32
from gateway.timeutil import utcnow


@dataclass(frozen=True)
class RefreshLookup:
    """A refresh token's row with its app's current credentials, read in one query (no ORM).

    Authlib's TokenMixin methods let the refresh grant use it as the token it redeems.
    """

    id: int
    app_id: int
    user_id: int | None
    openid: str | None
    scopes: list[str]
    family: str
    code_id: int | None
    rotated_at: datetime | None
    revoked_at: datetime | None
    refresh_expires_at: datetime | None
    client: ClientFacts

    def spendable(self) -> bool:
        """Never exchanged, not revoked, not expired: the common case, the fast path."""
        return (self.rotated_at is None and self.revoked_at is None
                and (self.refresh_expires_at is None or self.refresh_expires_at > utcnow()))

    def check_client(self, client: object) -> bool:
        return getattr(client, "app_id", None) == self.app_id

    def get_scope(self) -> str:
        return " ".join(self.scopes)


_TOKEN_COLUMNS = (OAuthToken.id, OAuthToken.app_id, OAuthToken.user_id, OAuthToken.openid,
                  OAuthToken.scopes, OAuthToken.family, OAuthToken.code_id,
                  OAuthToken.rotated_at, OAuthToken.revoked_at, OAuthToken.refresh_expires_at)
_CLIENT_COLUMNS = (App.id, App.appid, App.app_type, App.status, App.appkey_digest,
                   App.previous_appkey_digest, App.previous_appkey_expires_at, App.developer_id,
                   App.unionid_enabled)
# Built once: the token by its refresh digest (unique index), with its app's credentials.
_LOOKUP = (select(*_TOKEN_COLUMNS, *_CLIENT_COLUMNS)
           .join(App, App.id == OAuthToken.app_id)
           .where(OAuthToken.refresh_digest == bindparam("digest")))
# The single atomic claim: of two requests spending one refresh token, only one matches.
_CLAIM = (update(OAuthToken)
          .where(OAuthToken.id == bindparam("token_id"), OAuthToken.rotated_at.is_(None),
                 OAuthToken.revoked_at.is_(None))
          .values(rotated_at=bindparam("now"), revoked_at=bindparam("now")))
_NEW_PAIR = ("access_digest", "refresh_digest", "app_id", "user_id", "openid", "scopes",
             "grant_type", "family", "parent_id", "code_id", "created_at", "expires_at",
             "refresh_expires_at")
_INSERT = insert(OAuthToken)
# PostgreSQL: claim and insert in one statement, so one round trip and no BEGIN/COMMIT; the
# new pair is inserted only if the claim matched (the INSERT selects from the claimed row).
_CLAIMED = _CLAIM.returning(OAuthToken.id).cte("claimed")
_SPEND = (insert(OAuthToken)
          .from_select(list(_NEW_PAIR), select(*(
              cast(bindparam(f"new_{name}", type_=OAuthToken.__table__.c[name].type),
                   OAuthToken.__table__.c[name].type)
              for name in _NEW_PAIR)).select_from(_CLAIMED))
          .returning(OAuthToken.id))


def lookup_refresh(raw: str | None) -> RefreshLookup | None:
    """The refresh token's row and its app's credentials, or None when unknown.

    One indexed query outside any transaction; whether the token may still be spent is decided
    again, atomically, by the claim in `spend`.
    """
    if not raw or len(raw) > 64:
        return None
    params = {"digest": digest(raw)}
    row: Any
    if driver.supported():
        with driver.connection() as conn:
            row = conn.execute(driver.sql(_LOOKUP), params, prepare=True).fetchone()
    else:
        with autocommit_engine().connect() as conn:
            row = conn.execute(_LOOKUP, params).first()
    if row is None:
        return None
    n = len(_TOKEN_COLUMNS)
    return RefreshLookup(*row[:n], client=ClientFacts(*row[n:]))


def spend(lookup: RefreshLookup, scopes: list[str] | None = None) -> Issued | None:
    """Claim a spendable refresh token and issue the next pair of its family (scope may only
    narrow); None when a concurrent request claimed it first (the caller then takes the
    reuse path of `tokens.find_refresh`).

    On PostgreSQL the claim and the insert are one statement, committed on its own; elsewhere
    (or inside an open transaction) an UPDATE and an INSERT in the request's transaction.
    """
    now = utcnow()
    access, refresh = new_hex32(), new_hex32()
    ttl = setting("ZC_ACCESS_TOKEN_TTL")
    openid = lookup.openid
    if openid is None and lookup.user_id is not None:  # tokens from before openids were kept
        openid = openid_for(lookup.user_id, db.session.get(App, lookup.app_id))  # type: ignore
    narrowed = [s for s in lookup.scopes if scopes is None or s in scopes]
    values = dict(
        access_digest=digest(access), refresh_digest=digest(refresh), app_id=lookup.app_id,
        user_id=lookup.user_id, openid=openid, scopes=narrowed, grant_type="refresh_token",
        family=lookup.family, parent_id=lookup.id, code_id=lookup.code_id, created_at=now,
        expires_at=now + timedelta(seconds=ttl),
        refresh_expires_at=now + timedelta(seconds=setting("ZC_REFRESH_TOKEN_TTL")))
    pair = [(lookup.user_id, lookup.app_id)]
    if driver.supported() and not session_in_transaction():
        params = {"token_id": lookup.id, "now": now,
                  **{f"new_{name}": value for name, value in values.items()},
                  "new_scopes": json.dumps(narrowed)}
        with driver.connection() as conn:
            if conn.execute(driver.sql(_SPEND), params, prepare=True).fetchone() is None:
                return None
        token_cache_events.forget_committed(pair)
        metrics.token_issued("refresh_token", metrics.token_family())  # already committed
    else:
        claimed = db.session.execute(
            _CLAIM.execution_options(synchronize_session=False, zc_token_cache_neutral=True),
            {"token_id": lookup.id, "now": now})
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        token_cache_events.note_changed(pair)
        db.session.connection().execute(_INSERT, values)
        family = metrics.token_family()
        metrics.when_committed(lambda: metrics.token_issued("refresh_token", family))
    return Issued(access, refresh, ttl, narrowed, openid)

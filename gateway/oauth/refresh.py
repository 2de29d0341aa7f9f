"""The refresh grant's common cases, without the ORM and outside the request's transaction.

`exchange` (PostgreSQL) answers the commonest refresh in one statement: it claims the token only
for its authenticated client and inserts the next pair. When that claims nothing, or the client
narrows the scope, `lookup_refresh` reads the token with its app's current credentials (so
authenticating the client costs no query of its own) and `spend` claims it and inserts the next
pair (one statement on PostgreSQL). Statements go to the driver prepared (gateway/driver.py).
Everything else (unknown, another client's, exchanged, revoked or expired tokens, the grace
retry, reuse detection) takes the full path in tokens.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, insert, literal, or_, select, update

from gateway import driver
from gateway.apps.models import App
from gateway.database import autocommit_engine, session_in_transaction
from gateway.extensions import db
from gateway.identity.services import openid_for
from gateway.oauth import token_cache_events
from gateway.oauth.clients import REFUSED_STATUSES, ClientFacts
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


# PostgreSQL, the commonest refresh in one round trip: claim the token only if the client that
# presents it is its app, authenticated (the digest of the presented appkey is the stored one,
# or the previous one during a rotation overlap; no secret only for public clients) and not
# refused, and the token is live; insert the next pair; return it with what the response needs.
_T = OAuthToken.__table__
_NOW = bindparam("now", type_=_T.c.created_at.type)
_KEY = bindparam("key_digest", type_=String)
_AUTHENTICATED = or_(
    and_(_KEY.is_(None), App.app_type != "web"),
    and_(App.app_type == "web", or_(
        App.appkey_digest == _KEY,
        and_(App.previous_appkey_digest == _KEY, App.previous_appkey_expires_at > _NOW))))
_CLAIMED_FOR_CLIENT = (
    update(OAuthToken)
    .where(OAuthToken.refresh_digest == bindparam("digest"), App.id == OAuthToken.app_id,
           App.appid == bindparam("client_id"), _AUTHENTICATED,
           *(App.status != status for status in sorted(REFUSED_STATUSES)),
           OAuthToken.rotated_at.is_(None), OAuthToken.revoked_at.is_(None),
           OAuthToken.user_id.is_not(None), OAuthToken.openid.is_not(None),  # else: full path
           or_(OAuthToken.refresh_expires_at.is_(None), OAuthToken.refresh_expires_at > _NOW))
    .values(rotated_at=_NOW, revoked_at=_NOW)
    .returning(OAuthToken.id, OAuthToken.app_id, OAuthToken.user_id, OAuthToken.openid,
               OAuthToken.scopes, OAuthToken.family, OAuthToken.code_id, App.developer_id,
               App.unionid_enabled)
    .cte("claimed"))
_C = _CLAIMED_FOR_CLIENT.c
_ISSUED = (
    insert(OAuthToken)
    .from_select(list(_NEW_PAIR), select(
        bindparam("access_digest", type_=_T.c.access_digest.type),
        bindparam("refresh_digest", type_=_T.c.refresh_digest.type), _C.app_id, _C.user_id,
        _C.openid, _C.scopes, literal("refresh_token", _T.c.grant_type.type), _C.family, _C.id,
        _C.code_id, _NOW, bindparam("expires_at", type_=_T.c.expires_at.type),
        bindparam("refresh_expires_at", type_=_T.c.refresh_expires_at.type)))
    .returning(OAuthToken.parent_id, OAuthToken.scopes)
    .cte("issued"))
_EXCHANGE = (select(_C.app_id, _C.user_id, _C.openid, _ISSUED.c.scopes, _C.developer_id,
                    _C.unionid_enabled)
             .select_from(_ISSUED)
             .join(_CLAIMED_FOR_CLIENT, _C.id == _ISSUED.c.parent_id))


@dataclass(frozen=True)
class _Minted:
    """A new pair's raw values (returned once) and the columns stored for it."""

    access: str
    refresh: str
    ttl: int
    columns: dict[str, Any]


def _mint() -> _Minted:
    now = utcnow()
    access, refresh = new_hex32(), new_hex32()
    ttl = setting("ZC_ACCESS_TOKEN_TTL")
    return _Minted(access, refresh, ttl, {
        "access_digest": digest(access), "refresh_digest": digest(refresh), "created_at": now,
        "expires_at": now + timedelta(seconds=ttl),
        "refresh_expires_at": now + timedelta(seconds=setting("ZC_REFRESH_TOKEN_TTL"))})


@dataclass(frozen=True)
class Exchanged:
    """A refresh token exchanged in one statement, with what the token response adds."""

    issued: Issued
    user_id: int | None
    app_id: int
    developer_id: int
    unionid_enabled: bool


def exchange(raw: str | None, client_id: str | None, secret: str | None) -> Exchanged | None:
    """The common refresh in one round trip (PostgreSQL, no scope narrowing): None when the
    statement claimed nothing, for whatever reason (unknown or spent token, another client's,
    a wrong key, a refused app, an expired token, older rows, other databases); the caller
    then takes the full path, which tells those cases apart and answers each precisely."""
    if (not raw or len(raw) > 64 or not client_id or len(client_id) > 32
            or not driver.supported() or session_in_transaction()):
        return None
    pair = _mint()
    params = {**pair.columns, "now": pair.columns["created_at"], "digest": digest(raw),
              "client_id": client_id,
              "key_digest": digest(secret) if secret is not None else None}
    with driver.connection() as conn:
        row = driver.fetch_one(conn, _EXCHANGE, params)
    if row is None:
        return None
    app_id, user_id, openid, scopes, developer_id, unionid_enabled = row
    token_cache_events.forget_committed([(user_id, app_id)])
    metrics.token_issued("refresh_token", metrics.token_family())  # already committed
    return Exchanged(Issued(pair.access, pair.refresh, pair.ttl, scopes, openid), user_id,
                     app_id, developer_id, bool(unionid_enabled))


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
            row = driver.fetch_one(conn, _LOOKUP, params)
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
    minted = _mint()
    openid = lookup.openid
    if openid is None and lookup.user_id is not None:  # tokens from before openids were kept
        openid = openid_for(lookup.user_id, db.session.get(App, lookup.app_id))  # type: ignore
    narrowed = [s for s in lookup.scopes if scopes is None or s in scopes]
    values = dict(
        minted.columns, app_id=lookup.app_id, user_id=lookup.user_id, openid=openid,
        scopes=narrowed, grant_type="refresh_token", family=lookup.family, parent_id=lookup.id,
        code_id=lookup.code_id)
    now = minted.columns["created_at"]
    pair = [(lookup.user_id, lookup.app_id)]
    if driver.supported() and not session_in_transaction():
        params = {"token_id": lookup.id, "now": now,
                  **{f"new_{name}": value for name, value in values.items()},
                  "new_scopes": json.dumps(narrowed)}
        with driver.connection() as conn:
            if driver.fetch_one(conn, _SPEND, params) is None:
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
    return Issued(minted.access, minted.refresh, minted.ttl, narrowed, openid)

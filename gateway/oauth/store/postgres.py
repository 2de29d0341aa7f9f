"""The PostgreSQL token store: the SQL store's semantics with fewer round trips.

Hot reads (client facts, access checks, refresh rows) go to psycopg prepared, outside any
transaction (gateway/driver.py). The commonest refresh is one statement that claims the token
only if it is a live, unexpired token of the authenticated client's app and inserts the next
pair, committed on its own. Whenever the request's session already has a transaction open, the
writes join it instead (SqlStore), so nothing commits behind the request's back.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, cast, insert, literal, or_, select, update

from gateway import driver
from gateway.database import session_in_transaction
from gateway.oauth.clients import ClientFacts
from gateway.oauth.models import OAuthToken
from gateway.oauth.store import AccessCheck, Claimed, NewPair, RefreshRow
from gateway.oauth.store import statements as st
from gateway.oauth.store.sql import SqlStore

_T = OAuthToken.__table__
_NOW = bindparam("now", type_=_T.c.created_at.type)
# Claim a live, unexpired token of this app (whose family has not outlived its lifetime) and
# insert the next pair in the same statement: the INSERT selects from the claimed row, so it
# inserts nothing when the claim matched nothing.
_CLAIMED = (
    update(OAuthToken)
    .where(OAuthToken.refresh_digest == bindparam("digest"),
           OAuthToken.app_id == bindparam("app_id"),
           OAuthToken.rotated_at.is_(None), OAuthToken.revoked_at.is_(None),
           OAuthToken.user_id.is_not(None), OAuthToken.openid.is_not(None),  # else: full path
           OAuthToken.jkt.is_(None),  # DPoP-bound: the rules check the proof's key
           OAuthToken.family_started_at > bindparam("family_cutoff",
                                                    type_=_T.c.created_at.type),
           or_(OAuthToken.refresh_expires_at.is_(None), OAuthToken.refresh_expires_at > _NOW))
    .values(rotated_at=_NOW, revoked_at=_NOW)
    .returning(OAuthToken.id, OAuthToken.app_id, OAuthToken.user_id, OAuthToken.openid,
               OAuthToken.scopes, OAuthToken.family, OAuthToken.family_started_at,
               OAuthToken.code_id, OAuthToken.sid, OAuthToken.audience)
    .cte("claimed"))
_C = _CLAIMED.c
_NEW_PAIR = ("access_digest", "refresh_digest", "app_id", "user_id", "openid", "scopes",
             "grant_type", "family", "family_started_at", "parent_id", "code_id", "created_at",
             "expires_at", "refresh_expires_at", "sid", "jkt")
_ISSUED = (
    insert(OAuthToken)
    .from_select([*_NEW_PAIR, "audience"], select(
        bindparam("access_digest", type_=_T.c.access_digest.type),
        bindparam("refresh_digest", type_=_T.c.refresh_digest.type), _C.app_id, _C.user_id,
        _C.openid, _C.scopes, literal("refresh_token", _T.c.grant_type.type), _C.family,
        _C.family_started_at, _C.id, _C.code_id, _NOW,
        bindparam("expires_at", type_=_T.c.expires_at.type),
        bindparam("refresh_expires_at", type_=_T.c.refresh_expires_at.type), _C.sid,
        bindparam("jkt", type_=_T.c.jkt.type), _C.audience))
    .returning(OAuthToken.parent_id)
    .cte("issued"))
_CLAIM_FOR_CLIENT = (select(_C.id, _C.user_id, _C.openid, _C.scopes)
                     .select_from(_ISSUED).join(_CLAIMED, _C.id == _ISSUED.c.parent_id))


_INSERT_PAIR = (insert(OAuthToken)
                .values({name: cast(bindparam(name, type_=_T.c[name].type), _T.c[name].type)
                         for name in (*_NEW_PAIR, "audience", "act")})
                .returning(OAuthToken.id))


class PostgresStore(SqlStore):
    """TokenStore on PostgreSQL through psycopg: prepared reads, one-statement claims."""

    def _fetch(self, statement: Any, params: dict[str, Any]) -> Any:
        with driver.connection() as conn:
            return driver.fetch_one(conn, statement, params)

    def _fetch_scalars(self, statement: Any, params: dict[str, Any]) -> list[Any]:
        with driver.connection() as conn:
            return [row[0] for row in driver.fetch_all(conn, statement, params)]

    def client(self, appid: str) -> ClientFacts | None:
        if not appid or not appid.isdigit() or len(appid) > 16:
            return None
        row = self._fetch(st.CLIENT_BY_APPID, {"appid": appid})
        return None if row is None else st.client_facts(
            row, self._fetch_scalars(st.GRANTED_SCOPES, {"app_id": row[0]}))

    def client_by_id(self, app_id: int) -> ClientFacts | None:
        row = self._fetch(st.CLIENT_BY_ID, {"app_id": app_id})
        return None if row is None else st.client_facts(
            row, self._fetch_scalars(st.GRANTED_SCOPES, {"app_id": app_id}))

    def access_check(self, access_digest: str) -> AccessCheck | None:
        row = self._fetch(st.ACCESS_CHECK, {"digest": access_digest})
        return None if row is None else st.access_check(row)

    def find_refresh(self, refresh_digest: str) -> RefreshRow | None:
        if session_in_transaction():  # read what this transaction wrote
            return super().find_refresh(refresh_digest)
        row = self._fetch(st.FIND_REFRESH, {"digest": refresh_digest})
        return None if row is None else st.refresh_row(row)

    def insert_pair(self, pair: NewPair, alone: bool = True) -> tuple[int, bool]:
        if not alone or session_in_transaction():  # joins what the request already wrote
            return super().insert_pair(pair, alone)
        params = pair.columns()
        params["scopes"] = json.dumps(params["scopes"])
        params["act"] = None if params["act"] is None else json.dumps(params["act"])
        row = self._fetch(_INSERT_PAIR, params)
        return int(row[0]), True

    def claim_for_client(self, refresh_digest: str, app_id: int, pair: NewPair,
                         family_cutoff: datetime) -> Claimed | None:
        if session_in_transaction():
            return super().claim_for_client(refresh_digest, app_id, pair, family_cutoff)
        params = {"digest": refresh_digest, "app_id": app_id, "now": pair.created_at,
                  "family_cutoff": family_cutoff, "access_digest": pair.access_digest,
                  "refresh_digest": pair.refresh_digest, "expires_at": pair.expires_at,
                  "refresh_expires_at": pair.refresh_expires_at, "jkt": pair.jkt}
        row = self._fetch(_CLAIM_FOR_CLIENT, params)
        if row is None:
            return None
        parent_id, user_id, openid, scopes = row
        return Claimed(parent_id, user_id, openid, list(scopes), True)

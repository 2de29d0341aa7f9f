"""The store's Core statements, built once at import (every implementation shares them)."""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from gateway.accounts.models import User
from gateway.apps.models import App, AppPermission
from gateway.authorizations.models import Authorization
from gateway.oauth.clients import ClientFacts
from gateway.oauth.models import OAuthToken
from gateway.oauth.store import AccessCheck, RefreshRow, TokenUser

T = OAuthToken.__table__

CLIENT_COLUMNS = (App.id, App.appid, App.app_type, App.status, App.appkey_digest,
                  App.previous_appkey_digest, App.previous_appkey_expires_at, App.developer_id,
                  App.unionid_enabled, App.access_token_format, App.token_exchange_enabled,
                  App.require_dpop)
CLIENT_BY_APPID = select(*CLIENT_COLUMNS).where(App.appid == bindparam("appid"))
CLIENT_BY_ID = select(*CLIENT_COLUMNS).where(App.id == bindparam("app_id"))
GRANTED_SCOPES = select(AppPermission.scope).where(AppPermission.app_id == bindparam("app_id"),
                                                   AppPermission.status == "granted")


def client_facts(row: Any, granted: list[str]) -> ClientFacts:
    """ClientFacts from a CLIENT_COLUMNS row and the app's granted scopes."""
    return ClientFacts(row[0], row[1] or "", row[2], row[3], row[4], row[5], row[6], row[7],
                       bool(row[8]), frozenset(granted), row[9] or "opaque", bool(row[10]),
                       bool(row[11]))


# The token, the user's grant and profile, by the token's digest (unique index).
ACCESS_CHECK = (
    select(OAuthToken.id, OAuthToken.user_id, OAuthToken.app_id, OAuthToken.openid,
           OAuthToken.scopes, OAuthToken.created_at, OAuthToken.expires_at,
           OAuthToken.revoked_at, OAuthToken.audience, Authorization.scopes.label("granted"),
           Authorization.revoked_at.label("withdrawn"), OAuthToken.jkt, User.username,
           User.nickname, User.gender, User.province, User.city, User.birth_year, User.avatar_key)
    .outerjoin(Authorization, and_(Authorization.user_id == OAuthToken.user_id,
                                   Authorization.app_id == OAuthToken.app_id))
    .outerjoin(User, User.id == OAuthToken.user_id)
    .where(OAuthToken.access_digest == bindparam("digest")))


# Scope lists repeat across tokens (an app asks for the same few): one shared tuple for each, so
# the token cache holds each combination once rather than once per token. Bounded.
_SCOPE_SETS: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared(scopes: Any) -> tuple[str, ...]:
    key = tuple(scopes or ())
    shared = _SCOPE_SETS.get(key)
    if shared is None:
        if len(_SCOPE_SETS) >= 4096:
            return key
        shared = _SCOPE_SETS.setdefault(key, tuple(sys.intern(scope) for scope in key))
    return shared


def access_check(row: Any) -> AccessCheck:
    """AccessCheck from an ACCESS_CHECK row."""
    (token_id, user_id, app_id, openid, scopes, created_at, expires_at, revoked_at, audience,
     granted, withdrawn, jkt, *profile) = row
    if isinstance(scopes, str):  # the driver path returns JSON text
        import json

        scopes = json.loads(scopes)
        granted = None if granted is None else json.loads(granted)
    user = None if user_id is None else TokenUser(*profile)
    return AccessCheck(token_id, user_id, app_id, openid, _shared(scopes), created_at,
                       expires_at, revoked_at is not None,
                       None if granted is None else _shared(granted), withdrawn is not None, user,
                       audience, jkt)


REFRESH_COLUMNS = (OAuthToken.id, OAuthToken.app_id, OAuthToken.user_id, OAuthToken.openid,
                   OAuthToken.scopes, OAuthToken.family, OAuthToken.family_started_at,
                   OAuthToken.code_id, OAuthToken.rotated_at, OAuthToken.revoked_at,
                   OAuthToken.refresh_expires_at, OAuthToken.sid, OAuthToken.audience,
                   OAuthToken.jkt)
FIND_REFRESH = select(*REFRESH_COLUMNS).where(OAuthToken.refresh_digest == bindparam("digest"))


def refresh_row(row: Any) -> RefreshRow:
    """RefreshRow from a FIND_REFRESH row."""
    values = list(row)
    if isinstance(values[4], str):
        import json

        values[4] = json.loads(values[4])
    return RefreshRow(*values)


# The claim: of two requests spending one refresh token, only one matches.
CLAIM = (update(OAuthToken)
         .where(OAuthToken.id == bindparam("token_id"), OAuthToken.rotated_at.is_(None),
                OAuthToken.revoked_at.is_(None))
         .values(rotated_at=bindparam("now"), revoked_at=bindparam("now"))
         .execution_options(synchronize_session=False, zc_token_cache_neutral=True))
NEWEST_CHILD = (select(OAuthToken.rotated_at, OAuthToken.revoked_at)
                .where(OAuthToken.parent_id == bindparam("token_id"))
                .order_by(OAuthToken.id.desc()).limit(1))

"""What other domains call: authenticate a Bearer token, revoke a user's or an app's tokens."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, bindparam, select

from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.authorizations.models import Authorization
from gateway.database import autocommit_engine
from gateway.extensions import db
from gateway.oauth import token_cache, tokens
from gateway.oauth.errors import (
    AppSuspended,
    ExpiredToken,
    InvalidToken,
    MissingToken,
    RevokedToken,
    TokenError,
)
from gateway.oauth.models import OAuthToken
from gateway.oauth.token_cache import CachedCheck, TokenUser
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

__all__ = ["AccessContext", "TokenError", "TokenUser", "authenticate_access_token",
           "forget_app", "revoke_tokens_for", "revoke_tokens_for_app"]


@dataclass(frozen=True)
class _AppFacts:
    status: str
    granted: frozenset[str]
    loaded: float
    appid: str = ""
    developer_id: int = 0
    unionid_enabled: bool = False


_app_cache: dict[int, _AppFacts] = {}
_cache_lock = threading.Lock()


def _app_facts(app_id: int) -> _AppFacts:
    """An app's status, permissions and identifiers, cached per process for ZC_APP_CACHE_TTL s.

    Only app facts are cached; a token's own validity (revoked, expired) is read on every call.
    """
    now = time.monotonic()
    facts = _app_cache.get(app_id)
    if facts is not None and now - facts.loaded < float(current_app.config["ZC_APP_CACHE_TTL"]):
        return facts
    app = db.session.get(App, app_id)
    if app is None:
        facts = _AppFacts("deleted", frozenset(), now)
    else:
        facts = _AppFacts(app.status, frozenset(app.granted_scopes()), now, app.appid or "",
                          app.developer_id, bool(app.unionid_enabled))
    with _cache_lock:
        _app_cache[app_id] = facts
    return facts


def forget_app(app_id: int | None = None) -> None:
    """Drop cached app facts (after a suspension or a permission change in this process)."""
    with _cache_lock:
        if app_id is None:
            _app_cache.clear()
        else:
            _app_cache.pop(app_id, None)


@dataclass
class AccessContext:
    """Who a valid access token speaks for, and what it may do (the effective scope)."""

    user_id: int | None
    app_id: int
    openid: str | None
    scopes: frozenset[str]
    token_id: int
    expires_at: datetime
    # From the per-process app cache, so the hot paths need not load the App row.
    appid: str = ""
    developer_id: int = 0
    unionid_enabled: bool = False
    # The user's profile, read in the same query as the token (None for client tokens).
    user: TokenUser | None = None
    _app: App | None = field(default=None, repr=False)

    @property
    def app(self) -> App:
        """The App row (loaded on first use from the session's identity map)."""
        if self._app is None:
            self._app = db.session.get(App, self.app_id)
        assert self._app is not None
        return self._app


# Built once: the token, the user's grant and profile, by the token's digest (unique index).
_TOKEN_CHECK = (
    select(OAuthToken.id, OAuthToken.user_id, OAuthToken.app_id, OAuthToken.openid,
           OAuthToken.scopes, OAuthToken.expires_at, OAuthToken.revoked_at,
           Authorization.scopes.label("granted"), Authorization.revoked_at.label("withdrawn"),
           User.username, User.nickname, User.gender, User.province, User.city,
           User.birth_year, User.avatar_key)
    .outerjoin(Authorization, and_(Authorization.user_id == OAuthToken.user_id,
                                   Authorization.app_id == OAuthToken.app_id))
    .outerjoin(User, User.id == OAuthToken.user_id)
    .where(OAuthToken.access_digest == bindparam("digest")))


def _read_check(token_digest: str) -> CachedCheck:
    """The token, the user's grant and profile by digest: one indexed query, no transaction.

    An autocommit connection skips the BEGIN and COMMIT round trips and always reads the latest
    committed revocation. Raises when the token is unknown, revoked or expired.
    """
    with autocommit_engine().connect() as conn:
        row = conn.execute(_TOKEN_CHECK, {"digest": token_digest}).first()
    if row is None:
        raise InvalidToken()
    if row.revoked_at is not None:
        raise RevokedToken()
    if row.expires_at <= utcnow():
        raise ExpiredToken()
    user = None if row.user_id is None else TokenUser(
        row.username, row.nickname, row.gender, row.province, row.city, row.birth_year,
        row.avatar_key)
    return CachedCheck(token_id=row.id, user_id=row.user_id, app_id=row.app_id,
                       openid=row.openid, scopes=tuple(row.scopes or ()),
                       expires_at=row.expires_at,
                       granted=None if row.granted is None else tuple(row.granted),
                       withdrawn=row.withdrawn is not None, user=user)


def authenticate_access_token(raw: str | None) -> AccessContext:
    """Check an access token: known, unexpired, unrevoked, app usable; never writes.

    A valid check is kept in the token cache (gateway/oauth/token_cache.py: evicted at once
    when the token, the grant, the user or the app changes); expiry and the app's status are
    checked on every call.
    """
    if not raw:
        raise MissingToken()
    if len(raw) > 64:
        raise InvalidToken()
    token_digest = digest(raw)
    cache = token_cache.current_cache()
    check = cache.get(token_digest) if cache is not None else None
    if check is None:
        ticket = cache.ticket() if cache is not None else None
        check = _read_check(token_digest)
        if cache is not None:
            cache.put(token_digest, check, ticket)
    elif check.expires_at <= utcnow():
        raise ExpiredToken()
    facts = _app_facts(check.app_id)
    if facts.status in {"suspended", "deleted", "rejected"}:
        raise AppSuspended()
    effective = frozenset(check.scopes) & facts.granted
    if check.user_id is not None:  # client_credentials tokens speak for no user
        granted = frozenset(check.granted or ()) if not check.withdrawn else frozenset()
        effective &= granted
    return AccessContext(user_id=check.user_id, app_id=check.app_id, openid=check.openid,
                         scopes=effective, token_id=check.token_id, expires_at=check.expires_at,
                         appid=facts.appid, developer_id=facts.developer_id,
                         unionid_enabled=facts.unionid_enabled, user=check.user)


def revoke_tokens_for(user_id: int, app_id: int) -> int:
    """Revoke every token and code of one user for one app; returns the tokens revoked."""
    return tokens.revoke_tokens_for(user_id, app_id)


def revoke_tokens_for_app(app_id: int) -> int:
    """Revoke every token and code of an app (suspension); returns the tokens revoked."""
    return tokens.revoke_tokens_for_app(app_id)

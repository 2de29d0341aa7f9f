"""What other domains call: authenticate a Bearer token, revoke a user's or an app's tokens."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

from gateway.apps.models import App
from gateway.extensions import db
from gateway.i18n import N_
from gateway.oauth import tokens
from gateway.oauth.errors import (
    AppSuspended,
    DPoPBoundToken,
    ExpiredToken,
    InvalidDPoPProof,
    InvalidToken,
    MissingToken,
    NotDPoPBound,
    RevokedToken,
    TokenError,
)
from gateway.oauth.store import TokenUser, current_store
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

__all__ = ["AccessContext", "TokenError", "TokenUser", "authenticate_access_token",
           "forget_app", "revoke_tokens_for", "revoke_tokens_for_app", "revoke_tokens_of_user"]


def forget_app(app_id: int | None = None) -> None:
    """Drop cached facts of one app (or everything cached: a fresh start)."""
    store = current_store()
    if app_id is None:
        store.clear()
    else:
        store.forget(apps=[app_id])


@dataclass
class AccessContext:
    """Who a valid access token speaks for, and what it may do (the effective scope)."""

    user_id: int | None
    app_id: int
    openid: str | None
    scopes: frozenset[str]
    token_id: int
    expires_at: datetime
    # From the store's client facts, so the hot paths need not load the App row.
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


def authenticate_access_token(raw: str | None, *, dpop_scheme: bool = False,
                              proof_jkt: str | None = None) -> AccessContext:
    """Check an access token: known, unexpired, unrevoked, app usable, and presented as its
    binding requires (RFC 9449 §7: a DPoP-bound token only with the DPoP scheme and a proof
    signed by its key, `proof_jkt`, checked by the caller); never writes.

    The store may answer from memory (gateway/oauth/store/cached.py: evicted at once when the
    token, the grant, the user or the app changes); expiry, the app's status and the binding
    (part of the cached check) are checked on every call.
    """
    if not raw:
        raise MissingToken()
    if len(raw) > tokens.MAX_TOKEN_LENGTH:
        raise InvalidToken()
    store = current_store()
    check = store.access_check(digest(raw))
    if check is None:
        raise InvalidToken()
    if check.revoked:
        raise RevokedToken()
    if check.expires_at <= utcnow():
        raise ExpiredToken()
    if check.jkt is None and dpop_scheme:
        raise NotDPoPBound()
    if check.jkt is not None:
        if not dpop_scheme:
            raise DPoPBoundToken()
        if proof_jkt is None or not hmac.compare_digest(proof_jkt, check.jkt):
            raise InvalidDPoPProof(N_("The DPoP proof is not signed with the key the access "
                                      "token is bound to."))
    facts = store.client_by_id(check.app_id)
    if facts is None or facts.status in {"suspended", "rejected"}:
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


def revoke_tokens_of_user(user_id: int) -> int:
    """Revoke every token and code of one user across all apps (a hold); returns the tokens."""
    return tokens.revoke_tokens_for_user(user_id)


def revoke_tokens_for_app(app_id: int) -> int:
    """Revoke every token and code of an app (suspension); returns the tokens revoked."""
    return tokens.revoke_tokens_for_app(app_id)

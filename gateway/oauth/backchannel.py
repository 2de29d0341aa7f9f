"""OpenID Connect Back-Channel Logout 1.0: when a ZoneConnect session ends, each app that the
session logged into and that registered a `backchannel_logout_uri` is sent a logout token.

The session's end (accounts.sessions.sessions_ended: logout, RP-initiated logout, signing a
session out, a password change or reset, an operator's `gateway users end-sessions`) queues one
outbox message per app in the same transaction. The message keeps the token's fixed claims
(iss, aud, sub, sid); the worker signs the token with the id_token keys at delivery time (fresh
iat, short exp, new jti on each attempt) and POSTs it form-encoded through the guarded client,
retrying with backoff like every webhook. The apps are found by the tokens issued from the
session's codes (oauth_tokens.sid, kept through rotations).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from joserfc import jwt
from sqlalchemy import select

from gateway.accounts.sessions import EndedSession
from gateway.apps.models import App
from gateway.extensions import db
from gateway.oauth import keys
from gateway.oauth.authorize import issuer
from gateway.oauth.models import OAuthToken
from gateway.outbox.models import OutboxMessage
from gateway.timeutil import utcnow

log = logging.getLogger(__name__)
EVENT_TYPE = "oidc.backchannel_logout"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_TYPE = "logout+jwt"


def apps_of_session(sid: str, user_id: int) -> list[tuple[App, str | None]]:
    """The apps this session logged into (by the tokens of its codes), with the user's openid
    at each; only apps with a back-channel logout URL."""
    rows = db.session.execute(
        select(App, OAuthToken.openid).join(OAuthToken, OAuthToken.app_id == App.id)
        .where(OAuthToken.sid == sid, OAuthToken.user_id == user_id,
               App.backchannel_logout_uri != "", App.status != "deleted")
        .order_by(App.id, OAuthToken.id)).all()
    seen: dict[int, tuple[App, str | None]] = {}
    for app, openid in rows:
        if app.id not in seen or (seen[app.id][1] is None and openid):
            seen[app.id] = (app, openid)
    return list(seen.values())


def queue_for(ended: Iterable[EndedSession]) -> list[OutboxMessage]:
    """Queue a logout token for every app each ended session logged into (flushes). Outside a
    request the issuer must be configured (ZC_ISSUER or ZC_PUBLIC_URL): without it nothing is
    queued and a warning says so."""
    messages: list[OutboxMessage] = []
    ended = list(ended)
    if ended and not issuer():
        log.warning("back-channel logout skipped: set ZC_ISSUER or ZC_PUBLIC_URL")
        return messages
    for session in ended:
        for app, openid in apps_of_session(session.sid, session.user_id):
            claims: dict[str, Any] = {"iss": issuer(), "aud": app.appid, "sid": session.sid}
            if openid:
                claims["sub"] = openid
            event_id = "evt_" + secrets.token_hex(12)
            message = OutboxMessage(
                event_id=event_id, app_id=app.id, event_type=EVENT_TYPE,
                url=app.backchannel_logout_uri, next_attempt_at=utcnow(),
                body=json.dumps(claims, separators=(",", ":"), ensure_ascii=False))
            db.session.add(message)
            messages.append(message)
    if messages:
        db.session.flush()
    return messages


def on_sessions_ended(sender: object, ended: list[EndedSession]) -> None:
    """accounts.sessions.sessions_ended receiver (connected by gateway.oauth.init_app)."""
    queue_for(ended)


def logout_token(message: OutboxMessage) -> str:
    """The signed logout token for a queued message, minted now (never stored): the fixed
    claims plus iat, a short exp, a fresh jti and the back-channel logout event; no nonce."""
    claims: dict[str, Any] = json.loads(message.body)
    now = int(time.time())
    claims.update(iat=now, exp=now + int(current_app.config["ZC_LOGOUT_TOKEN_TTL"]),
                  jti=secrets.token_urlsafe(24), events={EVENT: {}})
    row = keys.current_row(keys.signing_algorithm())
    header = {"alg": row.alg, "kid": row.kid, "typ": TOKEN_TYPE}
    return jwt.encode(header, claims, keys.load(row), algorithms=[row.alg])


def request_for(message: OutboxMessage) -> tuple[bytes, dict[str, str]]:
    """The body and headers the worker POSTs for a logout message (§2.5: form-encoded)."""
    body = urlencode({"logout_token": logout_token(message)}).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded",
                  "Cache-Control": "no-store", "webhook-id": message.event_id}

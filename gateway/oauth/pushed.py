"""Pushed authorization requests (RFC 9126): keep a validated request, open it at the
authorization endpoint, answer it once.

The request_uri is `urn:ietf:params:oauth:request_uri:` and 256 random bits; only their SHA-256
digest is stored. A request_uri works only with the client_id of the app that pushed it, only
until ZC_PAR_TTL seconds have passed unless a browser opened it by then (login and consent then
have ZC_PAR_FLOW_TTL seconds), and for one authorization response: once a code or an error went
back to the app, the same request_uri is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from gateway.apps.models import App
from gateway.extensions import db
from gateway.oauth.models import PushedRequest
from gateway.oauth.tokens import setting
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

URN_PREFIX = "urn:ietf:params:oauth:request_uri:"
MAX_REQUEST_URI = 200


class RequestUriRefused(Exception):
    """The request_uri is unknown, another app's, expired, or already answered."""


@dataclass(frozen=True)
class Pushed:
    """What the PAR endpoint answers (RFC 9126 §2.2)."""

    request_uri: str
    expires_in: int


def push(app: App, parameters: dict[str, str]) -> Pushed:
    """Store the validated parameters of `app`'s authorization request; its request_uri."""
    raw = secrets.token_urlsafe(32)
    ttl = setting("ZC_PAR_TTL")
    now = utcnow()
    db.session.add(PushedRequest(uri_digest=digest(raw), app_id=app.id, parameters=parameters,
                                 created_at=now, expires_at=now + timedelta(seconds=ttl)))
    db.session.flush()
    return Pushed(URN_PREFIX + raw, ttl)


def is_request_uri(value: str | None) -> bool:
    """Whether an authorization request names a pushed request (rather than a URL to fetch)."""
    return bool(value) and str(value).startswith(URN_PREFIX)


def open_request(request_uri: str, app: App) -> PushedRequest:
    """The pushed request behind `request_uri` for `app`, still usable; marks it opened (the
    flush is committed with the request). Raises RequestUriRefused."""
    if not is_request_uri(request_uri) or len(request_uri) > MAX_REQUEST_URI:
        raise RequestUriRefused
    row = db.session.scalar(select(PushedRequest).where(
        PushedRequest.uri_digest == digest(request_uri[len(URN_PREFIX):])))
    if row is None or row.app_id != app.id or row.used_at is not None:
        raise RequestUriRefused
    now = utcnow()
    if row.opened_at is None:
        if row.expires_at <= now:
            raise RequestUriRefused
        row.opened_at = now
        db.session.flush()
    elif row.opened_at + timedelta(seconds=setting("ZC_PAR_FLOW_TTL")) <= now:
        raise RequestUriRefused
    return row


def use(row: PushedRequest) -> bool:
    """Mark the pushed request answered, once: False when another request answered it first."""
    result = db.session.execute(
        update(PushedRequest)
        .where(PushedRequest.id == row.id, PushedRequest.used_at.is_(None))
        .values(used_at=utcnow()))
    return bool(getattr(result, "rowcount", 0) == 1)

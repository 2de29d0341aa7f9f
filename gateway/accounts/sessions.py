"""Who is logged in: server-side session records behind an opaque id in the cookie.

The signed cookie carries only `sid`, a random opaque value (plus Flask-WTF's CSRF token and flash
messages, which name nobody); the user, when they typed their password, where from and whether the
session still holds live in `UserSession` rows, looked up by the id's SHA-256 digest. Ending the
row (logout, a password change, "sign out everywhere") ends the session even for a copied cookie.

Service API for pages built on it (issue 14's sessions page, new-device mail, sign-out-everywhere):
`current_session()`, `active_sessions(user_id)`, `end(user_id, session_id, reason)`,
`end_all(user_id, reason, keep=None)`. Like every service they flush; the request commits.

Every way a session ends on purpose (logout, `end`, `end_all`) sends `sessions_ended` with the
ended sessions' public sids, in the same transaction: gateway.oauth.backchannel queues the apps'
logout tokens from it (accounts knows nothing of OAuth).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from blinker import Namespace
from flask import current_app, g, request, session
from sqlalchemy import select, update

from gateway.accounts.models import User, UserSession
from gateway.extensions import db
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

SESSION_KEY = "sid"
# last_seen_at is written at most this often per session: no write on every page view.
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class EndedSession:
    """A session that just ended: its user and its id as apps know it (the id_token's sid)."""

    user_id: int
    sid: str


# Sent as sessions_ended.send(None, ended=[EndedSession, ...]) after the rows are flushed.
sessions_ended = Namespace().signal("sessions-ended")


def _announce(records: list[tuple[int, int, str]]) -> None:
    """Tell the receivers (back-channel logout) which sessions ended: (id, user, digest)."""
    ended = [EndedSession(user_id, _public_sid(record_id, token_digest))
             for record_id, user_id, token_digest in records]
    if ended:
        sessions_ended.send(None, ended=ended)


def login(user: User) -> UserSession:
    """Start a fresh session for this user: a new opaque id (defeats fixation) and its record."""
    session.clear()
    session.permanent = True
    sid = secrets.token_urlsafe(32)
    session[SESSION_KEY] = sid
    now = utcnow()
    record = UserSession(user_id=user.id, token_digest=digest(sid), epoch=user.session_epoch,
                         created_at=now, authenticated_at=now, last_seen_at=now,
                         ip_address=(request.remote_addr or "")[:45],
                         user_agent=request.headers.get("User-Agent", "")[:255])
    db.session.add(record)
    db.session.flush()
    g.current_session, g.current_user = record, user
    return record


def logout() -> None:
    """End this browser's session record and forget the cookie."""
    record = current_session()
    if record is not None:
        record.ended_at, record.ended_reason = utcnow(), "logout"
        db.session.flush()
        _announce([(record.id, record.user_id, record.token_digest)])
    session.clear()
    g.current_session, g.current_user = None, None


def public_sid(record: UserSession | None) -> str | None:
    """The session's id as apps see it (the id_token's `sid`): stable for the session, opaque,
    and unlike the cookie's value useless to anyone who reads it from an id_token."""
    if record is None:
        return None
    return _public_sid(record.id, record.token_digest)


def _public_sid(record_id: int, token_digest: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(key, f"oidc-sid:{record_id}:{token_digest}".encode(), hashlib.sha256)
    return mac.hexdigest()[:43]


def _lifetime() -> timedelta:
    value = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def current_session() -> UserSession | None:
    """This request's live session record, or None (ended, expired, epoch bumped, user inactive)."""
    if "current_session" in g:
        return g.current_session  # type: ignore[no-any-return]
    record = None
    sid = session.get(SESSION_KEY)
    if isinstance(sid, str) and sid:
        record = db.session.scalar(select(UserSession).where(
            UserSession.token_digest == digest(sid), UserSession.ended_at.is_(None)))
        if record is not None and not _still_valid(record):
            record = None
        if record is None:
            session.clear()  # a dead id is dropped from the cookie
    g.current_session = record
    return record


def _still_valid(record: UserSession) -> bool:
    user = db.session.get(User, record.user_id)
    now = utcnow()
    if user is None or not user.is_active or user.session_epoch != record.epoch:
        _write_aside(record.id, ended_at=now, ended_reason="password_changed"
                     if user is not None and user.is_active else "logout")
        return False
    if now - record.last_seen_at > _lifetime():
        _write_aside(record.id, ended_at=now, ended_reason="expired")
        return False
    if now - record.last_seen_at > TOUCH_EVERY:
        _write_aside(record.id, last_seen_at=now)
    return True


def _write_aside(record_id: int, **values: object) -> None:
    """Bookkeeping noticed while reading the cookie (last seen, found expired): one autocommit
    statement of its own, so GET pages, which commit nothing, still record it."""
    from gateway.database import autocommit_engine

    with autocommit_engine().connect() as connection:
        connection.execute(update(UserSession).where(UserSession.id == record_id).values(**values))


def current_user() -> User | None:
    """The logged-in user, or None."""
    if "current_user" in g:
        return g.current_user  # type: ignore[no-any-return]
    record = current_session()
    user = db.session.get(User, record.user_id) if record is not None else None
    g.current_user = user
    return user


def auth_time() -> int | None:
    """When the current session's user last typed their password (unix seconds)."""
    record = current_session()
    if record is None:
        return None
    return int(record.authenticated_at.replace(tzinfo=UTC).timestamp())


def active_sessions(user_id: int) -> list[UserSession]:
    """The user's sessions that still hold, most recently seen first."""
    since = utcnow() - _lifetime()
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None),
        UserSession.last_seen_at > since).order_by(UserSession.last_seen_at.desc())))


def end(user_id: int, session_id: int, reason: str = "ended_by_user") -> bool:
    """End one of the user's sessions (another user's id ends nothing); True if one ended."""
    ended = _end_where(reason, UserSession.id == session_id, UserSession.user_id == user_id)
    g.pop("current_session", None)
    g.pop("current_user", None)
    return bool(ended)


def _end_where(reason: str, *criteria: Any) -> int:
    """End the live sessions matching `criteria` and announce exactly those this statement
    ended (a concurrent end of the same row announces it once); how many ended."""
    ended = db.session.execute(
        update(UserSession).where(UserSession.ended_at.is_(None), *criteria)
        .values(ended_at=utcnow(), ended_reason=reason)
        .returning(UserSession.id, UserSession.user_id, UserSession.token_digest)).all()
    db.session.flush()
    _announce([(row[0], row[1], row[2]) for row in ended])
    return len(ended)


def end_all(user_id: int, reason: str, keep: int | None = None) -> int:
    """End every session of the user except `keep`; returns how many ended."""
    criteria = [UserSession.user_id == user_id]
    if keep is not None:
        criteria.append(UserSession.id != keep)
    return _end_where(reason, *criteria)

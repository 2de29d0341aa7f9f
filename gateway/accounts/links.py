"""Single-use links sent by mail: random, stored as digests, expiring, bound to account state.

A link is 32 random bytes (unguessable, so a signature would add nothing); the database keeps its
SHA-256 only. Redeeming it is one conditional UPDATE, so two clicks racing cannot both succeed,
and it works only while the account still has the state it was issued for (`binding`: the address
it verifies, or a fingerprint of the password it replaces).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from gateway.accounts.models import AccountToken, User
from gateway.extensions import db
from gateway.timeutil import utcnow


def digest(token: str) -> str:
    """SHA-256 of a link token, the only form stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def password_fingerprint(user: User) -> str:
    """A keyed digest of the stored password hash: changes whenever the password does."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()


def issue(user: User, purpose: str, binding: str, ttl_seconds: int) -> str:
    """Create a link token for `purpose`; returns the secret to put in the URL."""
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_digest=digest(token),
                                binding=binding,
                                expires_at=utcnow() + timedelta(seconds=ttl_seconds)))
    db.session.flush()
    return token


def peek(token: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired link for this secret and purpose, without spending it."""
    if not token or len(token) > 128:
        return None
    row = db.session.query(AccountToken).filter_by(token_digest=digest(token),
                                                   purpose=purpose).one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def spend(row: AccountToken) -> bool:
    """Mark the link used; False when another request used it first."""
    done = db.session.execute(update(AccountToken)
                              .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                              .values(used_at=utcnow()))
    return done.rowcount == 1  # type: ignore[attr-defined]


def retire(user: User, purpose: str) -> None:
    """Spend every open link of this purpose (a newer one replaces them)."""
    db.session.execute(update(AccountToken)
                       .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                              AccountToken.used_at.is_(None))
                       .values(used_at=utcnow()))

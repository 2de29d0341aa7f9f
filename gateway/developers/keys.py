"""Personal API keys for the management API: shown once, stored as SHA-256 digests."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from gateway.accounts.models import User
from gateway.audit import services as audit
from gateway.developers.errors import InvalidApiKey
from gateway.developers.models import KEY_SCOPES, PersonalApiKey
from gateway.errors import NotFound, ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

KEY_PREFIX = "zcpat_"
SHOWN_PREFIX_LENGTH = 12  # "zcpat_" + 6 characters: enough to recognise, useless to guess
LAST_USED_RESOLUTION = timedelta(minutes=1)


def create_key(user: User, *, name: str, scope: str) -> tuple[PersonalApiKey, str]:
    """Make a key; returns the row and the full key, which is never shown again."""
    problems: dict[str, list[str]] = {}
    if not 0 < len(name.strip()) <= 64:
        problems["name"] = [_l("Name the key (1 to 64 characters).")]
    if scope not in KEY_SCOPES:
        problems["scope"] = [_l("One of %(values)s.", values=", ".join(KEY_SCOPES))]
    if problems:
        raise ValidationFailed(problems)
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    key = PersonalApiKey(user_id=user.id, name=name.strip(), scope=scope,
                         prefix=token[:SHOWN_PREFIX_LENGTH], digest=digest(token))
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.created", actor_id=user.id, subject_type="api_key", subject_id=key.id,
                 scope=scope)
    return key, token


def keys_of(user: User) -> list[PersonalApiKey]:
    """The user's keys, newest first (revoked ones included, marked)."""
    return list(db.session.scalars(select(PersonalApiKey).where(
        PersonalApiKey.user_id == user.id).order_by(PersonalApiKey.id.desc())))


def own_key(user: User, key_id: int) -> PersonalApiKey:
    """One of the user's keys; another user's key (or none) is NotFound."""
    key = db.session.get(PersonalApiKey, key_id)
    if key is None or key.user_id != user.id:
        raise NotFound()
    return key


def revoke_key(user: User, key_id: int) -> PersonalApiKey:
    """Revoke one of the user's keys (another user's key is NotFound)."""
    key = own_key(user, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record("api_key.revoked", actor_id=user.id, subject_type="api_key",
                     subject_id=key.id)
        db.session.flush()
    return key


def authenticate(authorization_header: str | None) -> tuple[User, PersonalApiKey]:
    """The owner and key of an `Authorization: Bearer zcpat_...` header, or InvalidApiKey."""
    scheme, _, token = (authorization_header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX) or len(token) > 128:
        raise InvalidApiKey()
    key = db.session.scalar(select(PersonalApiKey).where(
        PersonalApiKey.digest == digest(token)))
    if key is None or key.revoked_at is not None:
        raise InvalidApiKey()
    user = db.session.get(User, key.user_id)
    if user is None or not user.is_active:
        raise InvalidApiKey()
    now = utcnow()
    # At most one write a minute per key: a busy script must not turn reads into writes.
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
        db.session.flush()
    return user, key

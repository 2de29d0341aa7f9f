"""Recording consent and asking what a user has granted. Flush, never commit."""

from __future__ import annotations

from sqlalchemy import select

from gateway.audit import services as audit
from gateway.authorizations.models import Authorization
from gateway.extensions import db
from gateway.timeutil import utcnow


def find(user_id: int, app_id: int) -> Authorization | None:
    """The user's grant to the app, active or revoked."""
    return db.session.scalar(select(Authorization).where(
        Authorization.user_id == user_id, Authorization.app_id == app_id))


def granted_scopes(user_id: int, app_id: int) -> set[str]:
    """The scopes the user currently grants the app (empty when none or revoked)."""
    grant = find(user_id, app_id)
    return set(grant.scopes) if grant is not None and grant.active else set()


def record_consent(user_id: int, app_id: int, scopes: list[str]) -> Authorization:
    """Add `scopes` to the user's grant (re-activating a revoked one). Audited."""
    grant = find(user_id, app_id)
    now = utcnow()
    if grant is None:
        grant = Authorization(user_id=user_id, app_id=app_id, scopes=[], created_at=now)
        db.session.add(grant)
    previous = set(grant.scopes) if grant.active else set()
    if grant.revoked_at is not None:
        grant.revoked_at = None
        grant.created_at = now
    grant.scopes = sorted(previous | set(scopes))
    grant.updated_at = now
    db.session.flush()
    audit.record("consent.given", actor_id=user_id, subject_type="app", subject_id=app_id,
                 scopes=sorted(set(scopes)))
    return grant


def revoke(user_id: int, app_id: int) -> Authorization | None:
    """Withdraw the user's grant (tokens are revoked by the caller in the same transaction)."""
    grant = find(user_id, app_id)
    if grant is None or not grant.active:
        return None
    grant.revoked_at = utcnow()
    grant.scopes = []
    db.session.flush()
    audit.record("consent.revoked", actor_id=user_id, subject_type="app", subject_id=app_id)
    return grant

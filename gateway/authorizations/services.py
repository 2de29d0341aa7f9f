"""Recording consent and asking what a user has granted. Flush, never commit."""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select, update

from gateway.apps.models import App
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
    audit.record("consent.given", actor_id=user_id, subject_type="app",
                 subject_id=_appid(app_id), scopes=sorted(set(scopes)))
    return grant


def _appid(app_id: int) -> str | int:
    """The appid every page shows (the row is in the session already: no query)."""
    app = db.session.get(App, app_id)
    return app.appid if app is not None and app.appid else app_id


def revoke(user_id: int, app_id: int) -> Authorization | None:
    """Withdraw the user's grant (tokens are revoked by the caller in the same transaction)."""
    grant = find(user_id, app_id)
    if grant is None or not grant.active:
        return None
    grant.revoked_at = utcnow()
    grant.scopes = []
    db.session.flush()
    audit.record("consent.revoked", actor_id=user_id, subject_type="app",
                 subject_id=_appid(app_id))
    return grant


# How often, at most, a grant's last_used_at is written for one (user, app): an API call costs no
# write otherwise. The throttle lives in the shared cache (Redis when configured).
LAST_USED_EVERY = 3600


def touch_last_used(user_id: int | None, app_id: int) -> bool:
    """Mark the grant used now, at most once an hour per (user, app); True when it wrote."""
    if user_id is None:
        return False
    from gateway.cache import get_cache

    # This process's own memory first: a call costs no shared-cache round trip either.
    touched: dict[tuple[int, int], float] = current_app.extensions.setdefault(
        "zc_grants_touched", {})
    now = time.monotonic()
    if now - touched.get((user_id, app_id), -LAST_USED_EVERY) < LAST_USED_EVERY:
        return False
    if len(touched) > 100_000:
        touched.clear()
    touched[(user_id, app_id)] = now
    cache = get_cache()
    key = f"grant-used:{user_id}:{app_id}"
    if cache.get(key) is not None:
        return False
    cache.set(key, 1, LAST_USED_EVERY)
    db.session.execute(update(Authorization).where(
        Authorization.user_id == user_id, Authorization.app_id == app_id,
        Authorization.revoked_at.is_(None)).values(last_used_at=utcnow())
        .execution_options(synchronize_session=False, zc_token_cache_neutral=True))
    return True


def active_for_user(user_id: int) -> list[tuple[Authorization, App]]:
    """The user's active grants with their apps, newest first."""
    rows = db.session.execute(
        select(Authorization, App).join(App, App.id == Authorization.app_id)
        .where(Authorization.user_id == user_id, Authorization.revoked_at.is_(None))
        .order_by(Authorization.created_at.desc(), Authorization.id.desc())).all()
    return [(grant, app) for grant, app in rows]


def deauthorize(user_id: int, app: App) -> bool:
    """Withdraw a grant: revoke every token and code, the grant (audited), and queue the app's
    signed `user.deauthorized` event (to its deauthorization URL and its subscribed webhook
    endpoints)."""
    from gateway.identity.models import OpenID
    from gateway.identity.services import unionid_for
    from gateway.oauth.services import revoke_tokens_for
    from gateway.outbox.services import enqueue_webhook

    revoked_tokens = revoke_tokens_for(user_id, app.id)
    grant = revoke(user_id, app.id)
    if grant is None and not revoked_tokens:
        return False
    openid = db.session.scalar(select(OpenID.openid).where(
        OpenID.user_id == user_id, OpenID.app_id == app.id))
    data: dict[str, str] = {"openid": openid or "", "appid": app.appid or ""}
    if app.unionid_enabled:
        data["unionid"] = unionid_for(user_id, app.developer_id)
    enqueue_webhook(app, "user.deauthorized", data, url=app.deauthorize_url or None)
    return True

"""The benchmark's token seeder (bench/tokens.py): many access tokens, stored as digests.
Bench code: it never ships in the product (the wheel packages gateway and developer_portal)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert

from gateway.apps.models import App
from gateway.authorizations import services as authorizations
from gateway.extensions import db
from gateway.identity.services import openid_for
from gateway.oauth.models import OAuthToken
from gateway.security.secrets import digest, new_hex32
from gateway.timeutil import utcnow

BATCH = 5000


def seed_tokens(*, app_id: int, appid: str, user_ids: list[int], count: int,
                sample: int) -> list[str]:
    """Store `count` access tokens spread over `user_ids`; return `sample` plaintext values."""
    app = db.session.get(App, app_id)
    assert app is not None and app.appid == appid and user_ids
    scopes = sorted(app.granted_scopes())
    openids = {}
    for user_id in user_ids:
        openids[user_id] = openid_for(user_id, app)
        authorizations.record_consent(user_id, app.id, scopes)
    db.session.commit()
    now = utcnow()
    expires = now + timedelta(seconds=int(current_app.config["ZC_ACCESS_TOKEN_TTL"]))
    kept: list[str] = []
    batch: list[dict[str, Any]] = []
    for n in range(count):
        raw, user_id = new_hex32(), user_ids[n % len(user_ids)]
        if len(kept) < sample:
            kept.append(raw)
        batch.append({"access_digest": digest(raw), "app_id": app.id, "user_id": user_id,
                      "openid": openids[user_id], "scopes": scopes,
                      "grant_type": "authorization_code", "family": new_hex32(),
                      "created_at": now, "expires_at": expires})
        if len(batch) >= BATCH:
            db.session.execute(insert(OAuthToken), batch)
            batch = []
    if batch:
        db.session.execute(insert(OAuthToken), batch)
    db.session.commit()
    return kept

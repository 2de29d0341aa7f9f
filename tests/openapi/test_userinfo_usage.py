"""/oauth2/userinfo is recorded in usage statistics and counted against the app's quota,
the same way /api/v1/me is (gateway/openapi/guard.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gateway.extensions import db
from gateway.usage import recorder
from gateway.usage.models import ApiCallDaily


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_APP_CACHE_TTL": 0, "ZC_BASE_URL": "https://zc.example",
            "ZC_API_RATE_LIMIT": "100 per minute",
            "ZC_API_RATE_LIMITS": {"userinfo": "2 per minute"}}


def _counts(app_id: int) -> dict[str, tuple[int, int]]:
    recorder.flush()
    db.session.expire_all()
    rows = db.session.scalars(select(ApiCallDaily).where(ApiCallDaily.app_id == app_id))
    return {row.api: (row.ok_count, row.error_count) for row in rows}


def test_userinfo_calls_are_recorded_and_limited(client, world) -> None:
    token = world.token(["openid", "profile", "get_user_info"]).access_token
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/oauth2/userinfo", headers=headers).status_code == 200
    assert client.post("/oauth2/userinfo", headers=headers).status_code == 200
    limited = client.get("/oauth2/userinfo", headers=headers)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert (limited.get_json()["error"], limited.get_json()["ret"]) == ("rate_limited", 100050)
    assert _counts(world.app.id)["userinfo"] == (2, 1)
    # Its own budget: /api/v1/me is not spent by userinfo calls.
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_userinfo_without_openid_scope_counts_as_an_error(client, world) -> None:
    token = world.token(["get_user_info"]).access_token
    response = client.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert _counts(world.app.id)["userinfo"] == (0, 1)

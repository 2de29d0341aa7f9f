"""Per-app, per-API quotas: 429 + Retry-After on REST, ret 100050 on legacy paths, overrides."""

from __future__ import annotations

import json
import secrets
import socket
from typing import Any

import pytest
from flask import Flask
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select

from gateway.apps.services import create_app
from gateway.audit.models import AuditEvent
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.openapi.errors import RateLimited
from gateway.quotas import services
from gateway.quotas.models import AppQuotaOverride
from tests.conftest import csrf_from
from tests.openapi.world import REDIRECT


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_APP_CACHE_TTL": 0, "ZC_API_RATE_LIMIT": "3 per minute",
            "ZC_API_RATE_LIMITS": {"get_vip_info": "1 per minute"}}


def _me(client, token: str) -> Any:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_rest_answers_429_with_retry_after(client, world) -> None:
    token = world.token().access_token
    assert [_me(client, token).status_code for _ in range(3)] == [200, 200, 200]
    limited = _me(client, token)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    body = limited.get_json()
    assert (body["error"], body["ret"]) == ("rate_limited", 100050)


def test_quota_is_per_app_and_per_api(client, world) -> None:
    other, _ = create_app(world.developer, name="Other", redirect_uris=[REDIRECT], live=True)
    db.session.commit()
    mine, theirs = world.token().access_token, world.token(app=other).access_token
    for _ in range(3):
        _me(client, mine)
    assert _me(client, mine).status_code == 429
    assert _me(client, theirs).status_code == 200
    listed = client.get("/api/v1/shares", headers={"Authorization": f"Bearer {mine}"})
    assert listed.status_code == 200


def test_legacy_answers_ret_100050(client, world) -> None:
    issued = world.token()
    params = {"access_token": issued.access_token, "oauth_consumer_key": world.app.appid,
              "openid": issued.row.openid}
    first = client.get("/user/get_vip_info", query_string=params)
    assert json.loads(first.data)["ret"] == 0
    second = client.get("/user/get_vip_info", query_string=params)
    assert second.status_code == 200
    assert second.data == b'{"ret":100050,"msg":"This app called this API too often. Retry later."}'


def test_limits_from_the_environment_text_form(app, world) -> None:
    app.config["ZC_API_RATE_LIMITS"] = "me=10 per minute; add_share = 5/second"
    assert services.configured_limits() == {"me": "10 per minute", "add_share": "5/second"}
    assert services.limit_for(world.app.id, "me") == "10 per minute"
    assert services.limit_for(world.app.id, "get_user_info") == "3 per minute"


def test_operator_override_page(client, auth, world, factory) -> None:
    factory.user("root", is_admin=True)
    token = world.token().access_token
    page_url = f"/admin/apps/{world.app.appid}/quotas"
    auth.login("alice")
    assert client.get(page_url).status_code == 403
    auth.logout()
    auth.login("root")
    page = client.get(page_url)
    assert page.status_code == 200 and "3 per minute" in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    bad = client.post(page_url, data={"csrf_token": csrf_from(html), "api": "me",
                                      "limit": "lots"})
    assert bad.status_code == 422
    saved = client.post(page_url, data={"csrf_token": csrf_from(html), "api": "me",
                                        "limit": "5 per minute"})
    assert saved.status_code == 302
    db.session.expire_all()
    row = db.session.scalars(select(AppQuotaOverride)).one()
    assert (row.app_id, row.api, row.limit) == (world.app.id, "me", "5 per minute")
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "quota.override_set")) is not None
    assert [_me(client, token).status_code for _ in range(6)] == [200] * 5 + [429]
    html = client.get(page_url).get_data(as_text=True)
    removed = client.post(f"{page_url}/me/delete", data={"csrf_token": csrf_from(html)})
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(AppQuotaOverride)).all() == []


def test_override_validation(app, world) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.set_override(world.app.id, "nope", "x", world.developer.id)
    assert set(caught.value.fields) == {"api", "limit"}
    services.set_override(world.app.id, "*", "7 per hour", world.developer.id)
    assert services.limit_for(world.app.id, "add_share") == "7 per hour"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_counters_live_in_redis_when_configured(app, world) -> None:
    """Two processes (two storage clients) share one counter in Redis."""
    first, second = Flask("first"), Flask("second")
    for each in (first, second):
        each.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
        services.init_app(each)
    # A window length unique to this run keeps earlier runs' counters out of the way.
    limit = f"2 per {secrets.randbelow(10**6) + 10**6} seconds"
    services.set_override(world.app.id, "me", limit, world.developer.id)
    app.extensions["zc_quota_limiter"] = first.extensions["zc_quota_limiter"]
    services.hit(world.app.id, "me")
    app.extensions["zc_quota_limiter"] = second.extensions["zc_quota_limiter"]
    services.hit(world.app.id, "me")
    with pytest.raises(RateLimited) as caught:
        services.hit(world.app.id, "me")
    assert caught.value.retry_after > 10**6 - 60


def test_process_counters_count_per_key_and_reopen_after_the_window(monkeypatch) -> None:
    """process:// counters: fixed windows per app and API, like limits' Redis ones, through
    limits' own fixed-window strategy."""
    from limits import parse
    from limits.storage import storage_from_string

    from gateway import process_limits as process_storage

    storage = storage_from_string("process://")
    assert isinstance(storage, process_storage.ProcessStorage)
    windows = FixedWindowRateLimiter(storage)
    now = [1_000_000.0]
    monkeypatch.setattr(process_storage.time, "time", lambda: now[0])
    item = parse("2 per 10 seconds")
    assert windows.hit(item, "api-quota", "7", "me") and windows.hit(item, "api-quota", "7", "me")
    assert windows.hit(item, "api-quota", "7", "me") is False
    assert windows.hit(item, "api-quota", "8", "me")  # another app: its own window
    stats = windows.get_window_stats(item, "api-quota", "7", "me")
    assert (stats.reset_time, stats.remaining) == (1_000_010.0, 0)
    now[0] += 10
    assert windows.hit(item, "api-quota", "7", "me")
    assert windows.get_window_stats(item, "api-quota", "7", "me").remaining == 1
    storage.clear(item.key_for("api-quota", "7", "me"))
    assert storage.get(item.key_for("api-quota", "7", "me")) == 0


def test_process_counters_drop_expired_keys_when_full(monkeypatch) -> None:
    from gateway import process_limits as process_storage

    storage = process_storage.ProcessStorage()
    monkeypatch.setattr(process_storage.ProcessStorage, "MAX_KEYS", 3)
    now = [1_000.0]
    monkeypatch.setattr(process_storage.time, "time", lambda: now[0])
    for key in ("a", "b", "c"):
        storage.incr(key, 5)
    now[0] += 5  # a, b and c have expired
    storage.incr("d", 5)
    assert set(storage._windows) == {"d"}

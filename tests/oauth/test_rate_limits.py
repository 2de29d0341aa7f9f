"""Token endpoints are rate-limited per client and per address; failures are audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.audit.models import AuditEvent
from gateway.extensions import db


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_TOKEN_LIMIT_CLIENT": "3 per minute", "ZC_TOKEN_LIMIT_ADDRESS": "5 per minute"}


def test_legacy_token_limited_per_client(world, client):
    data = {"grant_type": "authorization_code", "client_id": world.web.appid,
            "client_secret": world.web_key, "code": "0" * 32, "redirect_uri": "x"}
    statuses = [client.post("/oauth2.0/token", data=data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = client.post("/oauth2.0/token", data={**data, "client_id": world.native.appid})
    assert other.status_code == 200  # another client still has its own budget
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "oauth.token_failed")) == 4


def test_standard_token_limited_per_address(world, client):
    statuses = [client.post("/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": str(101000000 + n),
        "client_secret": "x"}).status_code for n in range(6)]
    assert 429 not in statuses[:5] and set(statuses[:5]) <= {400, 401}
    assert statuses[5] == 429


def test_retry_after_only_on_the_429(world, browser, client):
    """Flask-Limiter's headers stay (X-RateLimit-*), but Retry-After means "refused, wait"."""
    from tests.oauth.conftest import WEB_REDIRECT, legacy_code

    code = legacy_code(browser, world.web)
    ok = client.post("/oauth2.0/token", data={
        "grant_type": "authorization_code", "client_id": world.web.appid,
        "client_secret": world.web_key, "code": code, "redirect_uri": WEB_REDIRECT})
    assert ok.status_code == 200 and ok.get_data(as_text=True).startswith("access_token=")
    assert "Retry-After" not in ok.headers and "X-RateLimit-Limit" in ok.headers
    data = {"grant_type": "authorization_code", "client_id": world.web.appid,
            "client_secret": world.web_key, "code": "0" * 32, "redirect_uri": WEB_REDIRECT}
    answers = [client.post("/oauth2.0/token", data=data) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert all("Retry-After" not in a.headers for a in answers[:2])
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
    standard = client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                           auth=(world.web.appid, world.web_key))
    assert standard.status_code == 200 and "Retry-After" not in standard.headers

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


def test_headers_describe_the_tightest_window_and_the_refusal_runs_no_grant(world, client):
    """3 per client and 5 per address: the client's window is the one that runs out first."""
    data = {"grant_type": "client_credentials"}
    auth = (world.web.appid, world.web_key)
    answers = [client.post("/oauth2/token", data=data, auth=auth) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["3"] * 4
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[3]
    body = refused.get_json()
    assert body["error"] == "rate_limited" and body["request_id"]
    assert "access_token" not in body and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert int(refused.headers["X-RateLimit-Reset"]) >= int(answers[0].headers["X-RateLimit-Reset"])
    # Another client from the same address: its own window, the address's is nearly spent.
    other = client.post("/oauth2/token", data=data, auth=(world.native.appid, "x"))
    assert other.status_code == 401 and other.headers["X-RateLimit-Remaining"] == "0"
    assert other.headers["X-RateLimit-Limit"] == "5"


def test_each_token_endpoint_counts_on_its_own(world, client):
    legacy = {"grant_type": "authorization_code", "client_id": world.web.appid,
              "client_secret": world.web_key, "code": "0" * 32, "redirect_uri": "x"}
    assert [client.post("/oauth2.0/token", data=legacy).status_code
            for _ in range(4)] == [200, 200, 200, 429]
    standard = client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                           auth=(world.web.appid, world.web_key))
    assert standard.status_code == 200


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False,
                                         "ZC_TOKEN_LIMIT_CLIENT": "1 per minute"}])
def test_limits_can_be_switched_off(world, client):
    answers = [client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                           auth=(world.web.appid, world.web_key)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "X-RateLimit-Limit" not in answers[0].headers

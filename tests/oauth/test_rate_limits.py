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

"""The business counters move with the real code paths, and only for what was committed:
tokens issued (by grant type, legacy or standard endpoint), open API calls, order changes."""

from __future__ import annotations

import base64

from prometheus_client import REGISTRY

from gateway.extensions import db
from gateway.payments import services as payments
from gateway.payments.schemas import OrderRequest


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _issued(grant_type: str, family: str) -> float:
    return _value("zc_tokens_issued_total", grant_type=grant_type, family=family)


def test_tokens_issued_count_each_endpoint_family(client, world) -> None:
    before = {f: _issued("refresh_token", f) for f in ("legacy", "standard")}
    first = world.token(["get_user_info"])
    legacy = client.get("/oauth2.0/token", query_string={
        "grant_type": "refresh_token", "client_id": world.app.appid,
        "client_secret": world.appkey, "refresh_token": first.refresh_token})
    assert legacy.status_code == 200 and "access_token=" in legacy.get_data(as_text=True)
    assert _issued("refresh_token", "legacy") == before["legacy"] + 1
    second = world.token(["get_user_info"])
    basic = base64.b64encode(f"{world.app.appid}:{world.appkey}".encode()).decode()
    standard = client.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                  "refresh_token": second.refresh_token},
                           headers={"Authorization": f"Basic {basic}"})
    assert standard.status_code == 200, standard.get_json()
    assert _issued("refresh_token", "standard") == before["standard"] + 1
    refused = client.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": "0" * 32},
                          headers={"Authorization": f"Basic {basic}"})
    assert refused.status_code == 400
    assert _issued("refresh_token", "standard") == before["standard"] + 1
    assert 'zc_tokens_issued_total{family="standard",grant_type="refresh_token"}' in \
        client.get("/metrics").get_data(as_text=True)


def test_api_calls_count_by_result(client, world) -> None:
    ok = _value("zc_api_calls_total", api="me", result="ok")
    error = _value("zc_api_calls_total", api="me", result="error")
    good = world.token(["get_user_info"]).access_token
    narrow = world.token(["add_share"]).access_token
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {good}"}).status_code \
        == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {narrow}"}).status_code \
        == 403
    assert _value("zc_api_calls_total", api="me", result="ok") == ok + 1
    assert _value("zc_api_calls_total", api="me", result="error") == error + 1


def test_orders_count_only_committed_changes(world) -> None:
    pending = _value("zc_orders_total", status="pending")
    request = OrderRequest(openid="x", amount=5, item_id="sku-1", item_name="Gem",
                           notify_url=None)
    payments.create_order(world.app, world.user.id, request)
    db.session.rollback()
    assert _value("zc_orders_total", status="pending") == pending
    order = payments.create_order(world.app, world.user.id, request)
    db.session.commit()
    assert _value("zc_orders_total", status="pending") == pending + 1
    canceled = _value("zc_orders_total", status="canceled")
    payments.cancel(order.id, world.user.id)
    db.session.commit()
    assert _value("zc_orders_total", status="canceled") == canceled + 1

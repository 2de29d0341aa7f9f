"""Resources: user info, shares and orders, against the contract's shapes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fakes import APP_ID, APP_KEY, BASE, OPENID, FakeProvider, order_json

import zoneconnect
from zoneconnect import Token

TOKEN = Token(access_token="A" * 32)
BASIC = "Basic " + base64.b64encode(f"{APP_ID}:{APP_KEY}".encode()).decode()


@pytest.fixture(autouse=True)
def _known_token(provider: FakeProvider) -> None:
    provider.access_tokens.add(TOKEN.access_token)


def _share(i: int) -> dict[str, Any]:
    return {"id": str(i), "title": f"t{i}", "url": "https://x", "summary": None, "comment": None,
            "images": [], "site": None, "fromurl": None, "created_at": "2026-11-22T10:00:00Z"}


def test_get_user_info(client: Any, provider: FakeProvider) -> None:
    info = client.get_user_info(TOKEN)
    assert info.openid == OPENID and info.unionid is None
    assert (info.nickname, info.gender, info.province, info.city) == (
        "Alice", "female", "Guangdong", "Shenzhen")
    assert info.birth_year == 1990
    assert info.avatar == f"{BASE}/avatars/k/100"
    assert set(info.avatars) == {"30", "40", "50", "100", "640"}
    request = provider.requests[-1]
    assert request.headers["authorization"] == f"Bearer {TOKEN.access_token}"
    assert request.headers["user-agent"].startswith("zoneconnect-python/")
    assert request.headers["accept"] == "application/json"


def test_create_share(client: Any, provider: FakeProvider) -> None:
    share = client.shares.create(TOKEN, title="Hello", url="https://app.example/p/1",
                                 comment="look", images=["https://img/1.png"])
    body = json.loads(provider.requests[-1].content)
    assert body == {"title": "Hello", "url": "https://app.example/p/1", "comment": "look",
                    "images": ["https://img/1.png"]}
    assert share.id == "42" and share.images == ("https://img/1.png",)
    assert share.created_at == datetime(2026, 11, 22, 10, tzinfo=UTC)


def test_list_shares(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", "/api/v1/shares",
                  httpx.Response(200, json={"data": [_share(9), _share(8)], "has_more": True}),
                  httpx.Response(200, json={"data": [_share(7)], "has_more": False}))
    page = client.shares.list(TOKEN, limit=2)
    assert [s.id for s in page.data] == ["9", "8"] and page.has_more
    assert page.next_before == "8"
    last = client.shares.list(TOKEN, limit=2, before=page.next_before)
    assert last.next_before is None
    first, second = [r for r in provider.requests if r.url.path == "/api/v1/shares"]
    assert dict(first.url.params) == {"limit": "2"}
    assert dict(second.url.params) == {"limit": "2", "before": "8"}


def test_delete_share(client: Any, provider: FakeProvider) -> None:
    provider.push("DELETE", "/api/v1/shares/42", httpx.Response(204))
    assert client.shares.delete(TOKEN, "42") is None
    assert provider.requests[-1].method == "DELETE"


def test_create_order(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/api/v1/payments/orders", httpx.Response(201, json=order_json(
        notify_url="https://app.example/hook")))
    order = client.orders.create(openid=OPENID, amount=60, item_id="sword-1", item_name="Sword",
                                 notify_url="https://app.example/hook")
    request = provider.requests[-1]
    assert request.headers["authorization"] == BASIC
    assert json.loads(request.content) == {"openid": OPENID, "amount": 60, "item_id": "sword-1",
                                           "item_name": "Sword",
                                           "notify_url": "https://app.example/hook"}
    assert (order.order_id, order.status, order.amount) == ("ord_1", "pending", 60)
    assert order.confirm_url == f"{BASE}/pay/orders/ord_1/confirm"
    assert order.paid_at is None and order.created_at is not None


def test_sandbox_orders_say_livemode_false(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/api/v1/payments/orders",
                  httpx.Response(201, json=order_json(livemode=False)))
    provider.push("GET", "/api/v1/payments/orders/ord_1",
                  httpx.Response(200, json=order_json(livemode=False, status="paid")))
    created = client.orders.create(openid=OPENID, amount=60, item_id="sword-1",
                                   item_name="Sword")
    assert created.livemode is False
    assert client.orders.retrieve("ord_1").livemode is False
    assert zoneconnect.Order.from_json(order_json()).livemode is True  # absent: older server
    assert zoneconnect.Order.from_json(order_json(livemode=True)).livemode is True


def test_create_order_with_a_return_url(client: Any, provider: FakeProvider) -> None:
    back = "https://app.example/shop?item=sword-1"
    provider.push("POST", "/api/v1/payments/orders",
                  httpx.Response(201, json=order_json(return_url=back)))
    order = client.orders.create(openid=OPENID, amount=60, item_id="sword-1", item_name="Sword",
                                 return_url=back)
    assert json.loads(provider.requests[-1].content)["return_url"] == back
    assert order.return_url == back


def test_retrieve_and_refund_order(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", "/api/v1/payments/orders/ord_1",
                  httpx.Response(200, json=order_json(status="paid",
                                                      paid_at="2026-11-22T10:01:00Z")))
    provider.push("POST", "/api/v1/payments/orders/ord_1/refund",
                  httpx.Response(200, json=order_json(status="refunded")))
    assert client.orders.retrieve("ord_1").paid_at is not None
    assert client.orders.refund("ord_1", idempotency_key="k1").status == "refunded"
    request = provider.requests[-1]
    assert request.headers["authorization"] == BASIC
    assert request.headers["idempotency-key"] == "k1"


def test_orders_need_the_app_key(make_client: Any) -> None:
    client = make_client(app_key=None)
    with pytest.raises(zoneconnect.ZoneConnectError, match="app key"):
        client.orders.retrieve("ord_1")


def test_order_amount_must_be_positive(client: Any) -> None:
    with pytest.raises(ValueError, match="positive"):
        client.orders.create(openid=OPENID, amount=0, item_id="i", item_name="n")


def test_unexpected_body_shape(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", "/api/v1/payments/orders/ord_1", httpx.Response(200, json={"x": 1}))
    with pytest.raises(zoneconnect.APIResponseValidationError):
        client.orders.retrieve("ord_1")

"""`zoneconnect.manage.ManageClient`: paths, the key header, query filters and error classes."""

from __future__ import annotations

import json

import httpx
import pytest

from zoneconnect import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    ZoneConnectError,
)
from zoneconnect.manage import ManageClient

BASE = "https://zc.test"


def _client(handler: httpx.MockTransport) -> ManageClient:
    return ManageClient(api_key="zcpat_test", base_url=BASE,
                        http_client=httpx.Client(transport=handler))


def test_calls_carry_the_key_and_hit_the_documented_paths() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/auth-events"):
            return httpx.Response(200, json={"data": [{"id": 3, "reason": "access_denied"}],
                                              "next_before": None})
        if request.url.path == "/api/v1/manage/apps" and request.method == "GET":
            return httpx.Response(200, json={"data": [{"appid": "101"}]})
        return httpx.Response(202, json={"ok": True})

    with _client(httpx.MockTransport(answer)) as manage:
        assert manage.apps.list() == [{"appid": "101"}]
        events = manage.auth_events.list("101", outcome="failure", limit=10)
        assert events == [{"id": 3, "reason": "access_denied"}]
        manage.webhooks.send_test("101")
        manage.deliveries.resend("101", 7)
        manage.apps.delete("101", confirm_name="Shop")
        manage.apps.request_permission("101", scope="add_share", reason="scores")
    assert all(r.headers["authorization"] == "Bearer zcpat_test" for r in seen)
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", "/api/v1/manage/apps"), ("GET", "/api/v1/manage/apps/101/auth-events"),
        ("POST", "/api/v1/manage/apps/101/webhooks/test"),
        ("POST", "/api/v1/manage/apps/101/deliveries/7/resend"),
        ("DELETE", "/api/v1/manage/apps/101"), ("POST", "/api/v1/manage/apps/101/permissions")]
    assert dict(seen[1].url.params) == {"outcome": "failure", "limit": "10"}
    assert json.loads(seen[4].content) == {"confirm_name": "Shop"}
    assert json.loads(seen[5].content) == {"scope": "add_share", "reason": "scores"}


@pytest.mark.parametrize(("status", "body", "cls"), [
    (401, {"error": "invalid_token"}, AuthenticationError),
    (404, {"error": "app_not_found"}, NotFoundError),
    (422, {"error": "validation_error", "fields": {"limit": ["bad"]}}, BadRequestError),
    (429, {"error": "rate_limited"}, RateLimitError)])
def test_errors_are_the_sdk_classes(status: int, body: dict[str, object],
                                    cls: type[Exception]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers={"Retry-After": "7"})

    with _client(httpx.MockTransport(answer)) as manage, pytest.raises(cls) as info:
        manage.webhooks.send_test("101")
    if isinstance(info.value, RateLimitError):
        assert info.value.retry_after == 7
    if isinstance(info.value, BadRequestError):
        assert info.value.fields == {"limit": ["bad"]}


def test_a_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZONECONNECT_API_KEY", raising=False)
    with pytest.raises(ZoneConnectError, match="api_key"):
        ManageClient()


def test_appids_are_path_escaped() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json={})

    with _client(httpx.MockTransport(answer)) as manage:
        manage.apps.retrieve("../keys")
    assert seen == ["/api/v1/manage/apps/..%2Fkeys"]


def test_revenue_and_sandbox_routes() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith(("/statements", "/payouts")):
            return httpx.Response(200, json={"data": [{"month": "2026-03", "net": 500}]})
        return httpx.Response(200, json={"ok": True})

    with _client(httpx.MockTransport(answer)) as manage:
        assert manage.revenue.summary() == {"ok": True}
        rows = manage.revenue.statements(from_month="2026-01", appid="101")
        assert rows == [{"month": "2026-03", "net": 500}]
        manage.revenue.payouts(limit=5)
        manage.apps.set_mode("101", "sandbox")
        manage.sandbox.test_coins("101")
        manage.sandbox.grant_test_coins("101", username="tess", coins=50, grant_id="a" * 32)
        manage.sandbox.grant_test_coins("101", username="tess", coins=50)
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", "/api/v1/manage/revenue"), ("GET", "/api/v1/manage/revenue/statements"),
        ("GET", "/api/v1/manage/revenue/payouts"), ("POST", "/api/v1/manage/apps/101/mode"),
        ("GET", "/api/v1/manage/apps/101/test-coins"),
        ("POST", "/api/v1/manage/apps/101/test-coins"),
        ("POST", "/api/v1/manage/apps/101/test-coins")]
    assert dict(seen[1].url.params) == {"from": "2026-01", "appid": "101"}
    assert dict(seen[2].url.params) == {"limit": "5"}
    assert json.loads(seen[3].content) == {"mode": "sandbox"}
    assert json.loads(seen[5].content) == {"username": "tess", "coins": 50, "grant_id": "a" * 32}
    generated = json.loads(seen[6].content)["grant_id"]
    assert len(generated) == 32 and int(generated, 16) >= 0


def test_webhook_endpoints_and_events_hit_their_paths() -> None:
    seen: list[tuple[str, str, object]] = []
    endpoint = {"id": 7, "url": "https://h.example/x", "description": "", "event_types": [],
                "enabled": True, "disabled_reason": "", "failing_since": None,
                "previous_secret_expires_at": None, "created_at": "2026-01-01T00:00:00Z"}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path + (
            "?" + request.url.query.decode() if request.url.query else ""), body))
        if request.method == "DELETE":
            return httpx.Response(204)
        if request.url.path.endswith("/webhook-endpoints") and request.method == "GET":
            return httpx.Response(200, json={"appid": "101", "data": [endpoint]})
        if request.url.path.endswith(("/webhook-endpoints", "/rotate-secret")):
            return httpx.Response(201, json={"endpoint": endpoint, "secret": "s",
                                             "standard_webhooks_secret": "whsec_cw=="})
        if request.url.path.endswith("/events") or request.url.path.endswith("-types"):
            return httpx.Response(200, json={"data": [{"id": "evt_1", "type": "order.paid"}]})
        return httpx.Response(200, json=endpoint)

    with _client(httpx.MockTransport(answer)) as manage:
        created = manage.webhook_endpoints.create("101", url="https://h.example/x",
                                                  event_types=["order.paid"])
        assert created["secret"] == "s" and created["endpoint"]["id"] == 7
        assert manage.webhook_endpoints.list("101") == [endpoint]
        assert manage.webhook_endpoints.update("101", 7, enabled=False)["id"] == 7
        manage.webhook_endpoints.rotate_secret("101", 7)
        manage.webhook_endpoints.send_test("101", 7)
        manage.webhook_endpoints.delete("101", 7)
        assert manage.webhook_endpoints.event_types()[0]["type"] == "order.paid"
        assert manage.events.list("101", event_type="order.paid")[0]["id"] == "evt_1"
        manage.events.retrieve("101", "evt_1")
    prefix = "/api/v1/manage/apps/101"
    assert seen == [
        ("POST", f"{prefix}/webhook-endpoints",
         {"url": "https://h.example/x", "description": "", "event_types": ["order.paid"]}),
        ("GET", f"{prefix}/webhook-endpoints", None),
        ("PATCH", f"{prefix}/webhook-endpoints/7", {"enabled": False}),
        ("POST", f"{prefix}/webhook-endpoints/7/rotate-secret", None),
        ("POST", f"{prefix}/webhook-endpoints/7/test", None),
        ("DELETE", f"{prefix}/webhook-endpoints/7", None),
        ("GET", "/api/v1/manage/webhook-event-types", None),
        ("GET", f"{prefix}/events?type=order.paid&limit=50", None),
        ("GET", f"{prefix}/events/evt_1", None)]

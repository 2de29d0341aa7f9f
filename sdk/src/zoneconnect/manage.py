"""`zoneconnect.manage`: the management API (`/api/v1/manage/`) with a personal API key.

    from zoneconnect.manage import ManageClient

    with ManageClient(api_key="zcpat_...") as manage:    # or ZONECONNECT_API_KEY
        app = manage.apps.create(name="Shop", redirect_uris=["https://shop.example/cb"])
        endpoint = manage.webhook_endpoints.create(app["appid"], url="https://shop.example/hooks",
                                                   event_types=["order.paid"])
        print(endpoint["secret"])                         # shown only this once
        manage.webhook_endpoints.send_test(app["appid"], endpoint["endpoint"]["id"])
        for event in manage.events.list(app["appid"], event_type="order.paid"):
            print(event["id"], event["data"])
        for event in manage.auth_events.list(app["appid"], outcome="failure"):
            print(event["reason"], event["openid"])
        manage.apps.set_mode(app["appid"], "sandbox")    # orders now paid in test coins
        manage.sandbox.grant_test_coins(app["appid"], username="tess", coins=500)
        for row in manage.revenue.statements(from_month="2026-01"):
            print(row["month"], row["app"], row["net"])

Answers are the API's JSON objects (see the OpenAPI document's `management` operations); errors
are the SDK's usual classes (`AuthenticationError` for a bad key, `PermissionDeniedError` for a
read key writing, `NotFoundError`, `BadRequestError` with `.fields`, `RateLimitError` with
`.retry_after`). Requests are not retried: every write here is one a person asked for.
"""

from __future__ import annotations

import os
import secrets
import time
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ._config import DEFAULT_BASE_URL
from ._exceptions import APIResponseValidationError, ZoneConnectError, connection_error
from ._manage_webhooks import (
    Delivery,
    DeliveryAttempt,
    Event,
    Events,
    EventType,
    WebhookEndpoint,
    WebhookEndpoints,
    WebhookEndpointSecret,
)
from ._sansio import raise_for_status
from ._version import __version__

__all__ = ["Delivery", "DeliveryAttempt", "Event", "EventType", "ManageClient",
           "WebhookEndpoint", "WebhookEndpointSecret"]

JSON = dict[str, Any]
# Aliases: inside the resource classes their own `list` methods shadow the builtin.
JSONList = list[JSON]
Strings = list[str]


class ManageClient:
    """A blocking client of the management API; resources `apps`, `auth_events`, `deliveries`,
    `webhooks`, `webhook_endpoints`, `events`, `revenue` and `sandbox`."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None,
                 timeout: float = 30.0, http_client: httpx.Client | None = None) -> None:
        key = api_key or os.environ.get("ZONECONNECT_API_KEY")
        if not key:
            raise ZoneConnectError(
                "api_key is required: pass api_key= or set ZONECONNECT_API_KEY")
        base = (base_url or os.environ.get("ZONECONNECT_BASE_URL") or DEFAULT_BASE_URL)
        self._base = base.rstrip("/") + "/api/v1/manage"
        self._headers = {"Authorization": f"Bearer {key}",
                         "User-Agent": f"zoneconnect-python/{__version__} (manage)"}
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self.apps = Apps(self)
        self.auth_events = AuthEvents(self)
        self.deliveries = Deliveries(self)
        self.webhooks = Webhooks(self)
        self.revenue = Revenue(self)
        self.sandbox = Sandbox(self)
        self.webhook_endpoints = WebhookEndpoints(self)
        self.events = Events(self)

    def request(self, method: str, path: str, *, json: JSON | None = None,
                params: dict[str, Any] | None = None, empty: bool = False) -> JSON:
        """One call; the answer's JSON object (`{}` for an expected empty answer), or the
        matching APIError."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(method, self._base + path, json=json, params=query,
                                          headers=self._headers)
        except httpx.TransportError as exc:
            raise connection_error(exc) from exc
        raise_for_status(response, time.time())
        if empty and not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise APIResponseValidationError("expected a JSON object", response=response,
                                             body=body)
        return body

    def close(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ManageClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _app(appid: str) -> str:
    return "/apps/" + quote(appid, safe="")


class Apps:
    """`manage.apps`: your apps."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def list(self) -> JSONList:
        """Your apps."""
        return JSONList(self._c.request("GET", "/apps")["data"])

    def create(self, *, name: str, redirect_uris: Strings, **fields: Any) -> JSON:
        """Register an app; the answer holds its `appkey` (shown only this once)."""
        return self._c.request("POST", "/apps", json={"name": name,
                                                      "redirect_uris": redirect_uris, **fields})

    def retrieve(self, appid: str) -> JSON:
        """One of your apps."""
        return self._c.request("GET", _app(appid))

    def update(self, appid: str, **fields: Any) -> JSON:
        """Change some fields (URLs are validated as on the portal)."""
        return self._c.request("PATCH", _app(appid), json=fields)

    def delete(self, appid: str, *, confirm_name: str) -> JSON:
        """Delete the app (grants removed with callbacks, tokens revoked, appid never reused)."""
        return self._c.request("DELETE", _app(appid), json={"confirm_name": confirm_name})

    def rotate_appkey(self, appid: str) -> JSON:
        """A new appkey; the old one works until `previous_appkey_expires_at`."""
        return self._c.request("POST", _app(appid) + "/rotate-appkey")

    def rotate_webhook_secret(self, appid: str) -> JSON:
        """A new secret for callbacks to URLs that are not endpoints (an order's notify_url, the
        deauthorization URL); the old one co-signs until `previous_expires_at`."""
        return self._c.request("POST", _app(appid) + "/rotate-webhook-secret")

    def submit(self, appid: str) -> JSON:
        """Send a draft or rejected app to review."""
        return self._c.request("POST", _app(appid) + "/submit")

    def request_permission(self, appid: str, *, scope: str, reason: str) -> JSON:
        """Apply for a permission with a reason; an operator decides."""
        return self._c.request("POST", _app(appid) + "/permissions",
                               json={"scope": scope, "reason": reason})

    def test_users(self, appid: str) -> Strings:
        """The usernames that may use the app before it is live."""
        return Strings(self._c.request("GET", _app(appid) + "/test-users")["usernames"])

    def set_test_users(self, appid: str, usernames: Strings) -> Strings:
        """Replace the app's test users."""
        body = self._c.request("PUT", _app(appid) + "/test-users", json={"usernames": usernames})
        return Strings(body["usernames"])

    def set_mode(self, appid: str, mode: Literal["sandbox", "live"]) -> JSON:
        """Switch the app to sandbox mode (new orders paid in test coins, `livemode` false) or
        back to live mode; orders keep the mode they were created in."""
        return self._c.request("POST", _app(appid) + "/mode", json={"mode": mode})

    def stats(self, appid: str, *, from_: str | None = None, to: str | None = None) -> JSON:
        """Daily series (YYYY-MM-DD bounds, default the last 30 days)."""
        return self._c.request("GET", _app(appid) + "/stats", params={"from": from_, "to": to})


class AuthEvents:
    """`manage.auth_events`: an app's authorization and token events."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def list(self, appid: str, *, kind: str | None = None, outcome: str | None = None,
             reason: str | None = None, openid: str | None = None, days: int | None = None,
             before: int | None = None, limit: int = 100) -> JSONList:
        """One page of events, newest first; pass the last `id` as `before` for the next."""
        body = self._c.request("GET", _app(appid) + "/auth-events", params={
            "kind": kind, "outcome": outcome, "reason": reason, "openid": openid,
            "days": days, "before": before, "limit": limit})
        return JSONList(body["data"])


class Deliveries:
    """`manage.deliveries`: webhook events with every attempt."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def list(self, appid: str, *, limit: int = 50) -> JSONList:
        """The app's latest events, newest first."""
        return JSONList(self._c.request("GET", _app(appid) + "/deliveries",
                                        params={"limit": limit})["data"])

    def resend(self, appid: str, delivery_id: int) -> JSON:
        """Deliver an event again now."""
        return self._c.request("POST", f"{_app(appid)}/deliveries/{int(delivery_id)}/resend")


class Webhooks:
    """`manage.webhooks`: test events."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def send_test(self, appid: str) -> JSON:
        """Queue a signed `webhook.test` event to every enabled endpoint (rate-limited); the
        first delivery, with all of them under `deliveries`."""
        return self._c.request("POST", _app(appid) + "/webhooks/test")


class Revenue:
    """`manage.revenue`: what the portal's revenue page shows (amounts in minor units)."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def summary(self) -> JSON:
        """Your balances (`unsettled`, `pending`, `available`, `receivable`) and the paid sales
        not yet settled, by month."""
        return self._c.request("GET", "/revenue")

    def statements(self, *, from_month: str | None = None, to_month: str | None = None,
                   appid: str | None = None) -> JSONList:
        """Settled months per app, newest first (YYYY-MM bounds, optionally one app): gross,
        refunds, platform_share, net, status."""
        return JSONList(self._c.request("GET", "/revenue/statements", params={
            "from": from_month, "to": to_month, "appid": appid})["data"])

    def payouts(self, *, limit: int = 50) -> JSONList:
        """Your latest payouts to your Stripe connected account."""
        return JSONList(self._c.request("GET", "/revenue/payouts",
                                        params={"limit": limit})["data"])


class Sandbox:
    """`manage.sandbox`: test coins for an app's test users (they pay sandbox orders only)."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def test_coins(self, appid: str) -> JSON:
        """The app's mode, its testers' test coins and what its sandbox orders took in."""
        return self._c.request("GET", _app(appid) + "/test-coins")

    def grant_test_coins(self, appid: str, *, username: str, coins: int,
                         grant_id: str | None = None) -> JSON:
        """Give a test user test coins; pass the same `grant_id` (32 hex digits) when retrying
        so that the grant is made once."""
        return self._c.request("POST", _app(appid) + "/test-coins", json={
            "username": username, "coins": coins, "grant_id": grant_id or secrets.token_hex(16)})

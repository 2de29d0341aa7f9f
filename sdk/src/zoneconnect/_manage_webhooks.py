"""`manage.webhook_endpoints` and `manage.events`: an app's endpoints and the events it was sent.

The answers are typed dictionaries: what the server sends, with the keys a type checker knows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast
from urllib.parse import quote

if TYPE_CHECKING:
    from .manage import ManageClient


class WebhookEndpoint(TypedDict):
    """An endpoint (never its secret)."""

    id: int
    url: str
    description: str
    event_types: list[str]  # empty: every type
    enabled: bool
    disabled_reason: str  # "", "developer" or "failing"
    failing_since: str | None
    previous_secret_expires_at: str | None
    created_at: str


class WebhookEndpointSecret(TypedDict):
    """An endpoint with its signing secret: after creation or a rotation, shown once."""

    endpoint: WebhookEndpoint
    secret: str
    standard_webhooks_secret: str  # whsec_..., for Standard Webhooks libraries


class DeliveryAttempt(TypedDict):
    attempted_at: str
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


class Delivery(TypedDict):
    """One delivery of an event to one URL, with every attempt."""

    id: int
    event_id: str
    type: str
    endpoint_id: int | None  # None: a callback URL that is not an endpoint
    url: str
    status: str  # pending, delivered, dead or held
    attempts: int
    created_at: str
    delivered_at: str | None
    next_attempt_at: str | None
    history: list[DeliveryAttempt]


class Event(TypedDict, total=False):
    """An event; `deliveries` only when one event is retrieved."""

    id: str
    type: str
    created_at: str
    data: dict[str, Any]
    deliveries: list[Delivery]


class EventType(TypedDict):
    type: str
    description: str


# Aliases: inside the resource classes their own `list` methods shadow the builtin.
EndpointList = list[WebhookEndpoint]
EventList = list[Event]
EventTypeList = list[EventType]
Strings = list[str]


def _endpoints(appid: str) -> str:
    return "/apps/" + quote(appid, safe="") + "/webhook-endpoints"


class WebhookEndpoints:
    """`manage.webhook_endpoints`: the URLs that receive an app's events."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def event_types(self) -> EventTypeList:
        """Every event type an endpoint can subscribe to."""
        return cast(EventTypeList, self._c.request("GET", "/webhook-event-types")["data"])

    def list(self, appid: str) -> EndpointList:
        """The app's endpoints, oldest first."""
        return cast(EndpointList, self._c.request("GET", _endpoints(appid))["data"])

    def create(self, appid: str, *, url: str, event_types: Strings | None = None,
               description: str = "") -> WebhookEndpointSecret:
        """Add an endpoint (all event types unless `event_types`); the answer holds its secret,
        shown only this once."""
        body: dict[str, Any] = {"url": url, "description": description}
        if event_types is not None:
            body["event_types"] = event_types
        return cast(WebhookEndpointSecret,
                    self._c.request("POST", _endpoints(appid), json=body))

    def retrieve(self, appid: str, endpoint_id: int) -> WebhookEndpoint:
        """One endpoint."""
        return cast(WebhookEndpoint,
                    self._c.request("GET", f"{_endpoints(appid)}/{int(endpoint_id)}"))

    def update(self, appid: str, endpoint_id: int, *, url: str | None = None,
               event_types: Strings | None = None, description: str | None = None,
               enabled: bool | None = None) -> WebhookEndpoint:
        """Change some fields; `enabled=True` sends what was held while it was disabled."""
        fields = {k: v for k, v in (("url", url), ("event_types", event_types),
                                    ("description", description), ("enabled", enabled))
                  if v is not None}
        return cast(WebhookEndpoint, self._c.request(
            "PATCH", f"{_endpoints(appid)}/{int(endpoint_id)}", json=fields))

    def delete(self, appid: str, endpoint_id: int) -> None:
        """Remove the endpoint with its queued deliveries."""
        self._c.request("DELETE", f"{_endpoints(appid)}/{int(endpoint_id)}", empty=True)

    def rotate_secret(self, appid: str, endpoint_id: int) -> WebhookEndpointSecret:
        """A new signing secret; the previous one co-signs until
        `endpoint["previous_secret_expires_at"]`."""
        return cast(WebhookEndpointSecret, self._c.request(
            "POST", f"{_endpoints(appid)}/{int(endpoint_id)}/rotate-secret"))

    def send_test(self, appid: str, endpoint_id: int) -> Delivery:
        """Queue a signed `webhook.test` event to this endpoint (rate-limited per app)."""
        return cast(Delivery, self._c.request(
            "POST", f"{_endpoints(appid)}/{int(endpoint_id)}/test"))


class Events:
    """`manage.events`: what the platform sent an app, newest first."""

    def __init__(self, client: ManageClient) -> None:
        self._c = client

    def list(self, appid: str, *, event_type: str | None = None, limit: int = 50) -> EventList:
        """The app's latest events (`event_type`: only that type)."""
        body = self._c.request("GET", "/apps/" + quote(appid, safe="") + "/events",
                               params={"type": event_type, "limit": limit})
        return cast(EventList, body["data"])

    def retrieve(self, appid: str, event_id: str) -> Event:
        """One event with each delivery and its attempts."""
        return cast(Event, self._c.request(
            "GET", "/apps/" + quote(appid, safe="") + "/events/" + quote(event_id, safe="")))

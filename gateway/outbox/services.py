"""Write events to the outbox and read their delivery log. Flush, never commit."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from sqlalchemy import select

from gateway.apps.models import App
from gateway.errors import Conflict, NotFound, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l
from gateway.outbox.catalogue import EVENTS
from gateway.outbox.models import OutboxMessage, WebhookEndpoint, WebhookEvent
from gateway.timeutil import utcnow


class NoWebhookUrl(ZoneConnectError):
    code = "no_webhook_url"
    status = 400
    description = _l("The app has no enabled webhook endpoint for this event.")


class EndpointDisabled(Conflict):
    code = "endpoint_disabled"
    description = _l("The webhook endpoint is disabled: enable it first.")


def new_event(app: App, event_type: str, data: dict[str, Any], *,
              livemode: bool = True) -> WebhookEvent:
    """Record an event of the app (its id and the exact body every delivery signs); the type
    must be in the catalogue (gateway.outbox.catalogue), so no event goes undocumented.
    `livemode` is false for events about sandbox objects (as Stripe marks test-mode events)."""
    if event_type not in EVENTS:
        raise ValueError(f"webhook event type {event_type!r} is not in the catalogue")
    event_id = "evt_" + secrets.token_hex(12)
    body = json.dumps({"id": event_id, "type": event_type, "created": int(time.time()),
                       "livemode": livemode, "data": data},
                      separators=(",", ":"), ensure_ascii=False)
    event = WebhookEvent(event_id=event_id, app_id=app.id, event_type=event_type, body=body,
                         created_at=utcnow())
    db.session.add(event)
    return event


def deliver_to(event: WebhookEvent, url: str,
               endpoint: WebhookEndpoint | None = None) -> OutboxMessage:
    """Queue one delivery of the event (to an endpoint, or to a callback URL)."""
    message = OutboxMessage(event_id=event.event_id, app_id=event.app_id,
                            event_type=event.event_type, endpoint_id=endpoint.id if endpoint
                            else None, url=url, body=event.body, next_attempt_at=utcnow())
    db.session.add(message)
    return message


def enqueue_webhook(app: App, event_type: str, data: dict[str, Any],
                    url: str | None = None, *, livemode: bool = True) -> list[OutboxMessage]:
    """Record an event and queue one delivery to every enabled endpoint subscribed to its type,
    plus one to `url` (an order's notify_url, the deauthorization URL) unless an endpoint has
    that URL. Written in the caller's transaction: the event and all its deliveries, or none."""
    event = new_event(app, event_type, data, livemode=livemode)
    messages = [deliver_to(event, endpoint.url, endpoint) for endpoint in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.app_id == app.id,
                                      WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id)) if endpoint.subscribes(event_type)]
    if url and url not in {m.url for m in messages}:
        messages.append(deliver_to(event, url))
    db.session.flush()
    return messages


def enqueue_for_developer(developer_id: int, event_type: str, data: dict[str, Any]) -> int:
    """An event about the developer rather than one app (a payout): recorded for each of their
    apps that is not deleted, as each app's endpoints are that app's. Returns how many apps."""
    apps = list(db.session.scalars(select(App).where(
        App.developer_id == developer_id, App.status != "deleted").order_by(App.id)))
    for app in apps:
        enqueue_webhook(app, event_type, {"appid": app.appid or "", **data})
    return len(apps)


def deliveries_for_app(app_id: int, limit: int = 50) -> list[OutboxMessage]:
    """The app's latest events, each with its delivery attempts."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.app_id == app_id)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def resend(delivery_id: int, app_id: int | None = None) -> OutboxMessage:
    """Deliver an event again soon (its earlier attempts stay in the log)."""
    message = db.session.get(OutboxMessage, delivery_id)
    if message is None or (app_id is not None and message.app_id != app_id):
        raise NotFound()
    endpoint = db.session.get(WebhookEndpoint, message.endpoint_id) if message.endpoint_id \
        else None
    if endpoint is not None and not endpoint.enabled:
        raise EndpointDisabled()
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.lease_until = None
    db.session.flush()
    return message

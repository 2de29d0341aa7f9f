"""Write events to the outbox and read their delivery log. Flush, never commit."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from sqlalchemy import select

from gateway.apps.models import App
from gateway.errors import NotFound, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l
from gateway.outbox.models import OutboxMessage
from gateway.timeutil import utcnow


class NoWebhookUrl(ZoneConnectError):
    code = "no_webhook_url"
    status = 400
    description = _l("The app has no webhook URL for this event.")


def enqueue_webhook(app: App, event_type: str, data: dict[str, Any],
                    url: str | None = None, *, livemode: bool = True) -> OutboxMessage | None:
    """Queue a signed event for the app (to `url` or its webhook URL); None when it has neither.
    `livemode` is false for events about sandbox objects (as Stripe marks test-mode events)."""
    target = url or app.webhook_url
    if not target:
        return None
    event_id = "evt_" + secrets.token_hex(12)
    body = json.dumps({"id": event_id, "type": event_type, "created": int(time.time()),
                       "livemode": livemode, "data": data},
                      separators=(",", ":"), ensure_ascii=False)
    message = OutboxMessage(event_id=event_id, app_id=app.id, event_type=event_type,
                            url=target, body=body, next_attempt_at=utcnow())
    db.session.add(message)
    db.session.flush()
    return message


def deliveries_for_app(app_id: int, limit: int = 50) -> list[OutboxMessage]:
    """The app's latest events, each with its delivery attempts."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.app_id == app_id)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def resend(delivery_id: int, app_id: int | None = None) -> OutboxMessage:
    """Deliver an event again soon (its earlier attempts stay in the log)."""
    message = db.session.get(OutboxMessage, delivery_id)
    if message is None or (app_id is not None and message.app_id != app_id):
        raise NotFound()
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.lease_until = None
    db.session.flush()
    return message

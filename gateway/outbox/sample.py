"""`webhook.test`: a sample event a developer sends to their endpoint, limited per app."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import current_app
from limits import parse

from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.errors import ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l
from gateway.outbox.endpoints import endpoints_of
from gateway.outbox.models import OutboxMessage, WebhookEndpoint
from gateway.outbox.services import NoWebhookUrl, deliver_to, enqueue_webhook, new_event
from gateway.quotas.services import counters
from gateway.timeutil import isoformat, utcnow

TEST_EVENT = "webhook.test"


class TestEventsLimited(ZoneConnectError):
    """Too many test events for this app; `retry_after` seconds until the next is allowed."""

    __test__ = False  # not a pytest class
    code = "rate_limited"
    status = 429
    description = _l("Too many test events for this app. Wait a little and try again.")

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(1, retry_after)


def _take_slot(app: App) -> None:
    item = parse(str(current_app.config["ZC_WEBHOOK_TEST_LIMIT"]))
    storage = counters().storage
    key = item.key_for("webhook-test", str(app.id))
    if storage.incr(key, item.get_expiry()) > item.amount:
        raise TestEventsLimited(math.ceil(storage.get_expiry(key) - time.time()))


def send_test_event(app: App, actor_id: int | None,
                    endpoint: WebhookEndpoint | None = None) -> list[OutboxMessage]:
    """Queue a signed `webhook.test` event, as a real event is sent (same signatures, retries and
    delivery log): to `endpoint` (even a disabled one, to check it before enabling it again),
    else to every enabled endpoint of the app. Limited by ZC_WEBHOOK_TEST_LIMIT per app."""
    if endpoint is None and not any(e.enabled for e in endpoints_of(app)):
        raise NoWebhookUrl()
    _take_slot(app)
    data: dict[str, Any] = {"appid": app.appid, "sent_at": isoformat(utcnow()),
                            "message": "A test event sent from the developer portal."}
    if endpoint is None:
        messages = enqueue_webhook(app, TEST_EVENT, data)
    else:
        messages = [deliver_to(new_event(app, TEST_EVENT, data), endpoint.url, endpoint)]
        db.session.flush()
    audit.record("webhook.test_sent", actor_id=actor_id, subject_type="app",
                 subject_id=app.appid, event_id=messages[0].event_id,
                 endpoint_id=endpoint.id if endpoint else None)
    return messages

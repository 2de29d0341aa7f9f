"""`gateway worker`: claim due outbox messages, POST them signed, record every attempt."""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from datetime import timedelta

from flask import current_app

from gateway import leases, outbound
from gateway.apps.models import App
from gateway.extensions import db
from gateway.oauth import backchannel
from gateway.outbox import endpoints, health
from gateway.outbox.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from gateway.outbox.signing import sign, standard_headers
from gateway.timeutil import utcnow

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
TOO_LARGE = "response too large"  # an answer past ZC_OUTBOUND_MAX_RESPONSE_BYTES


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base * 2^(n-1), capped, times a random 0.5-1.0."""
    base = float(current_app.config.get("ZC_OUTBOX_BACKOFF_SECONDS", 10))
    cap = float(current_app.config.get("ZC_OUTBOX_BACKOFF_MAX_SECONDS", 3600))
    return min(cap, base * 2 ** max(attempts - 1, 0)) * random.uniform(0.5, 1.0)


def claim(limit: int = 20, owner: str = WORKER_ID) -> list[int]:
    """Lease up to `limit` due messages to this worker and commit the lease."""
    return leases.claim_due(OutboxMessage, limit, owner)


def message_secrets(message: OutboxMessage) -> list[str]:
    """The secrets that sign this delivery now: its endpoint's, or (for a callback URL that is
    not an endpoint) the app's; signed at delivery time, so a backlog follows a rotation."""
    endpoint = db.session.get(WebhookEndpoint, message.endpoint_id) if message.endpoint_id \
        else None
    if endpoint is not None:
        return endpoints.signing_secrets(endpoint)
    return signing_secrets(db.session.get(App, message.app_id))


def signing_secrets(app: App | None) -> list[str]:
    """The app's secrets that sign a callback now: the current one, and the previous one during
    the overlap after a rotation."""
    if app is None:
        return [""]
    found = [app.webhook_secret]
    expires = app.previous_webhook_secret_expires_at
    if app.previous_webhook_secret and expires is not None and expires > utcnow():
        found.append(app.previous_webhook_secret)
    return found


def _request(message: OutboxMessage, secrets: list[str]) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery: a signed JSON event, or (back-channel logout) a
    logout token signed now with the id_token keys, form-encoded."""
    if message.event_type == backchannel.EVENT_TYPE:
        body, headers = backchannel.request_for(message)
        return body, {**headers, "User-Agent": "ZoneConnect-Logout/1"}
    body = message.body.encode()
    now = int(time.time())
    return body, {"Content-Type": "application/json",
                  "ZoneConnect-Signature": sign(body, secrets, now),
                  **standard_headers(message.event_id, body, secrets, now),
                  "User-Agent": "ZoneConnect-Webhooks/1"}


def _post(message: OutboxMessage, body: bytes,
          headers: dict[str, str]) -> tuple[int | None, str]:
    """POST through the guarded client: internal addresses are refused before any connection,
    and the developer sees only a short public reason, never the platform's error text."""
    try:
        answer = outbound.post(message.url, content=body, headers=headers)
    except outbound.OutboundError as exc:
        return None, exc.public
    if answer.truncated:  # a receiver streaming a huge body is not a healthy endpoint
        return answer.status, TOO_LARGE
    return answer.status, "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"


def deliver(message_id: int, owner: str = WORKER_ID) -> bool:
    """POST one leased message and record the attempt; True when the app answered 2xx."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.lease_owner != owner or message.status != "pending":
        return False
    keys = message_secrets(message)
    body, headers = _request(message, keys)
    db.session.commit()  # hold no transaction open over the network call (a first key too)
    started = time.monotonic()
    code, error = _post(message, body, headers)
    ok = code is not None and 200 <= code < 300 and not error
    message.attempts += 1
    db.session.add(DeliveryAttempt(message_id=message.id, ok=ok, status_code=code, error=error,
                                   duration_ms=int((time.monotonic() - started) * 1000)))
    message.lease_until = None
    if ok:
        message.status, message.delivered_at = "delivered", utcnow()
    elif message.attempts >= int(current_app.config.get("ZC_OUTBOX_MAX_ATTEMPTS", 8)):
        message.status = "dead"
    else:
        message.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(message.attempts))
    endpoint = db.session.get(WebhookEndpoint, message.endpoint_id) if message.endpoint_id \
        else None
    if endpoint is not None:
        health.record_outcome(endpoint, ok)
    db.session.commit()
    return ok


def run_once(limit: int = 20) -> int:
    """Deliver what is due now; returns how many messages were attempted."""
    ids = claim(limit)
    for message_id in ids:
        try:
            deliver(message_id)
        except Exception:  # one bad message must not stop the others
            db.session.rollback()
            log.exception("outbox delivery %s failed", message_id)
    return len(ids)

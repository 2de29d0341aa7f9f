"""The outbox worker: signed POSTs, every attempt recorded, backoff, dead letters, leases."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from gateway.extensions import db
from gateway.outbox import worker
from gateway.outbox.models import DeliveryAttempt, OutboxMessage, WebhookEvent
from gateway.outbox.services import deliveries_for_app, enqueue_webhook, resend
from gateway.outbox.signing import sign, verify
from gateway.timeutil import utcnow
from tests.money_helpers import make_shop, webhook_endpoint


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The receivers listen on loopback, which the guarded client allows only when told to
    # (as `make run` does for the Demo Site).
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True}


class Receiver:
    """A loopback HTTP server that records requests and answers a chosen status."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"body": body, "headers": self.headers})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _queue(factory, url: str) -> tuple[Any, OutboxMessage]:
    shop = make_shop(factory, endpoint=False)
    [message] = enqueue_webhook(shop.app, "order.paid", {"order_id": "ord_1"}, url=url)
    db.session.commit()
    return shop, message


def test_delivers_a_signed_body(app: Flask, factory, receiver: Receiver) -> None:
    shop, message = _queue(factory, receiver.url)
    assert worker.run_once() == 1
    [request] = receiver.requests
    header = request["headers"]["ZoneConnect-Signature"]
    assert verify(request["body"], header, shop.app.webhook_secret)
    assert not verify(request["body"], header, "other-secret")
    t = int(header.split(",")[0][2:])
    assert header == sign(request["body"], shop.app.webhook_secret, t)
    event = json.loads(request["body"])
    assert event["type"] == "order.paid" and event["id"] == message.event_id
    assert event["data"] == {"order_id": "ord_1"}
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "delivered" and message.delivered_at is not None
    [attempt] = message.deliveries
    assert attempt.ok and attempt.status_code == 200 and attempt.duration_ms >= 0
    assert worker.run_once() == 0  # nothing due any more
    assert len(receiver.requests) == 1


def test_failure_is_recorded_and_retried_later(app: Flask, factory, receiver: Receiver) -> None:
    receiver.status = 500
    shop, message = _queue(factory, receiver.url)
    before = utcnow()
    worker.run_once()
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "pending" and message.attempts == 1
    assert message.next_attempt_at > before + timedelta(seconds=4)  # base 10 s x jitter >= 0.5
    assert worker.run_once() == 0  # not due yet
    [attempt] = message.deliveries
    assert not attempt.ok and attempt.status_code == 500 and attempt.error == "HTTP 500"
    assert [m.id for m in deliveries_for_app(shop.app.id)] == [message.id]


def test_unreachable_url_records_the_error(app: Flask, factory) -> None:
    _, message = _queue(factory, "http://127.0.0.1:9/hook")
    worker.run_once()
    db.session.expire_all()
    attempt = db.session.query(DeliveryAttempt).one()
    # The developer sees a short public reason, never the platform's own error text.
    assert attempt.status_code is None and attempt.error == "connection failed"


def test_gives_up_after_max_attempts_and_resend_revives(app: Flask, factory,
                                                        receiver: Receiver) -> None:
    app.config["ZC_OUTBOX_MAX_ATTEMPTS"] = 2
    app.config["ZC_OUTBOX_BACKOFF_SECONDS"] = 0
    receiver.status = 503
    _, message = _queue(factory, receiver.url)
    worker.run_once()
    worker.run_once()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "dead"
    assert worker.run_once() == 0
    receiver.status = 204
    resend(message.id)
    db.session.commit()
    worker.run_once()
    db.session.expire_all()
    revived = db.session.get(OutboxMessage, message.id)
    assert revived.status == "delivered" and len(revived.deliveries) == 3
    assert len(receiver.requests) == 3


def test_a_leased_message_is_not_claimed_twice(app: Flask, factory) -> None:
    _queue(factory, "http://127.0.0.1:9/hook")
    assert len(worker.claim(owner="worker-a")) == 1
    assert worker.claim(owner="worker-b") == []
    assert worker.deliver(db.session.query(OutboxMessage).one().id, owner="worker-b") is False


def test_no_endpoint_queues_nothing_but_the_event_is_recorded(app: Flask, factory) -> None:
    shop = make_shop(factory)
    db.session.delete(webhook_endpoint(shop.app))
    assert enqueue_webhook(shop.app, "user.deauthorized", {"openid": shop.openid}) == []
    [event] = db.session.query(WebhookEvent).all()
    assert event.event_type == "user.deauthorized" and event.app_id == shop.app.id


def test_worker_command_once(app: Flask, factory, runner, receiver: Receiver) -> None:
    _queue(factory, receiver.url)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert '"attempted": 1' in result.output
    assert len(receiver.requests) == 1

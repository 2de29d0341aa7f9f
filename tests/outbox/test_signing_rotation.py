"""Signatures receivers rely on: Standard Webhooks headers verified by the reference library, the
SDK's header, and a secret rotation in the middle of a backlog."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import zoneconnect
from flask import Flask
from standardwebhooks import Webhook, WebhookVerificationError

from gateway.developers import services as developers
from gateway.extensions import db
from gateway.mail.models import MailMessage
from gateway.outbox import endpoints, worker
from gateway.outbox.models import DeliveryAttempt, OutboxMessage
from gateway.outbox.services import enqueue_webhook
from gateway.outbox.signing import standard_secret
from gateway.timeutil import utcnow
from tests.money_helpers import make_shop
from tests.outbox.test_worker import Receiver


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True, "ZC_OUTBOX_TIMEOUT_SECONDS": 1.5}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _headers(request: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): v for k, v in request["headers"].items()}


def _sdk_ok(request: dict[str, Any], secret: str) -> bool:
    try:
        zoneconnect.webhooks.verify(request["body"], _headers(request), secret)
    except zoneconnect.SignatureVerificationError:
        return False
    return True


def _standard_ok(request: dict[str, Any], secret: str) -> bool:
    try:
        Webhook(standard_secret(secret)).verify(request["body"], _headers(request))
    except WebhookVerificationError:
        return False
    return True


def _dev(shop: Any) -> Any:
    from gateway.accounts.models import User

    return db.session.get(User, shop.developer_id)


def _due_now() -> None:
    for message in db.session.query(OutboxMessage):
        message.next_attempt_at = utcnow()
    db.session.commit()


def test_standard_webhooks_headers_verify_with_the_reference_library(app, factory, receiver):
    shop = make_shop(factory, endpoint=False)
    [message] = enqueue_webhook(shop.app, "order.paid", {"order_id": "ord_1"}, url=receiver.url)
    db.session.commit()
    assert worker.run_once() == 1
    [request] = receiver.requests
    headers = _headers(request)
    assert headers["webhook-id"] == message.event_id
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["webhook-signature"].startswith("v1,")
    assert "zoneconnect-signature" in headers  # today's header is still sent
    payload = Webhook(standard_secret(shop.app.webhook_secret)).verify(request["body"], headers)
    assert payload["type"] == "order.paid" and payload["id"] == message.event_id
    assert not _standard_ok(request, "another secret")
    tampered = {**request, "body": request["body"].replace(b"ord_1", b"ord_2")}
    assert not _standard_ok(tampered, shop.app.webhook_secret)


def test_a_rotation_during_a_backlog_delivers_every_event(app: Flask, factory, receiver):
    """The receiver is down, events pile up, the developer rotates the secret and deploys a
    receiver that knows only the new one: every queued event arrives verifiable with it."""
    shop = make_shop(factory, endpoint=False)
    old = shop.app.webhook_secret
    for n in range(3):
        enqueue_webhook(shop.app, "order.paid", {"order_id": f"ord_{n}"}, url=receiver.url)
    db.session.commit()
    receiver.status = 503
    assert worker.run_once() == 3
    assert all(_sdk_ok(r, old) for r in receiver.requests)  # signed, but refused
    new = developers.rotate_webhook_secret(shop.app, _dev(shop))
    db.session.commit()
    receiver.requests.clear()
    receiver.status = 200
    _due_now()
    assert worker.run_once() == 3
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert _sdk_ok(request, new) and _standard_ok(request, new)
        assert _sdk_ok(request, old) and _standard_ok(request, old)  # the overlap
        assert len(_headers(request)["webhook-signature"].split()) == 2
    db.session.expire_all()
    assert {m.status for m in db.session.query(OutboxMessage)} == {"delivered"}


def test_after_the_overlap_only_the_new_secret_signs(app, factory, receiver):
    shop = make_shop(factory, endpoint=False)
    old = shop.app.webhook_secret
    new = developers.rotate_webhook_secret(shop.app, _dev(shop))
    shop.app.previous_webhook_secret_expires_at = utcnow() - timedelta(seconds=1)
    enqueue_webhook(shop.app, "order.paid", {"order_id": "ord_1"}, url=receiver.url)
    db.session.commit()
    worker.run_once()
    [request] = receiver.requests
    assert _sdk_ok(request, new) and _standard_ok(request, new)
    assert not _sdk_ok(request, old) and not _standard_ok(request, old)
    assert request["headers"]["ZoneConnect-Signature"].count("v1=") == 1


def test_rotation_without_overlap_drops_the_old_secret(app, factory, receiver):
    shop = make_shop(factory, endpoint=False)
    old = shop.app.webhook_secret
    developers.rotate_webhook_secret(shop.app, _dev(shop), overlap_seconds=0)
    enqueue_webhook(shop.app, "order.paid", {"order_id": "ord_1"}, url=receiver.url)
    db.session.commit()
    worker.run_once()
    assert not _sdk_ok(receiver.requests[0], old)


class RawServer:
    """A loopback server that answers every connection with `answer(conn)`."""

    def __init__(self, answer) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.answer = answer
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    self.answer(conn)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


def _huge(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n")
    for _ in range(800):
        conn.sendall(b"x" * 65536)


def _drip(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        conn.sendall(b"x")
        time.sleep(0.05)


def _redirect(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://169.254.169.254/\r\n"
                 b"Content-Length: 0\r\n\r\n")


@pytest.mark.parametrize("via_endpoint", [False, True])
@pytest.mark.parametrize(("answer", "error"), [(_huge, "response too large"),
                                               (_drip, "timed out"), (_redirect, "HTTP 307")])
def test_hostile_endpoints_change_nothing_and_log_a_failure(app, factory, answer, error,
                                                            via_endpoint):
    server = RawServer(answer)
    try:
        shop = make_shop(factory, endpoint=False)
        if via_endpoint:  # a webhook endpoint, or an order's notify_url
            endpoint = endpoints.create_endpoint(shop.app, None, server.url)
            db.session.commit()
        [message] = enqueue_webhook(shop.app, "order.paid", {"order_id": "ord_1"},
                                    url=None if via_endpoint else server.url)
        db.session.commit()
        started = time.monotonic()
        assert worker.deliver(worker.claim()[0]) is False
        assert time.monotonic() - started < 5
    finally:
        server.close()
    db.session.expire_all()
    found = db.session.get(OutboxMessage, message.id)
    assert found.status == "pending" and found.delivered_at is None and found.attempts == 1
    [attempt] = db.session.query(DeliveryAttempt).all()
    assert attempt.ok is False and attempt.error == error
    assert db.session.query(OutboxMessage).count() == 1  # a redirect is never followed
    assert db.session.query(MailMessage).count() == 0
    if via_endpoint:  # one failure starts a run of failures, nothing more
        db.session.refresh(endpoint)
        assert endpoint.enabled and endpoint.failing_since is not None
        assert endpoint.alerted_at is None

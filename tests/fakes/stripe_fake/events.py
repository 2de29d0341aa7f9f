"""Signing and delivering webhook events exactly as Stripe does.

Delivery happens outside the state lock, after the request that emitted the events is
finished. `delivery="background"` (the default, like Stripe) posts from a worker thread that
lives only while there is something to send; `flush()` waits until the queue is empty.
`delivery="sync"` posts before the API answer is returned, so a test sees the webhook
handled as soon as its Stripe call returns. A failed delivery is recorded, not retried: resend
it with `FakeStripeState.resend_event`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Sender = Callable[[str, bytes, Mapping[str, str]], int]
DeliveryMode = Literal["background", "sync"]
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value for `payload`: `t=<unix>,v1=<hex HMAC-SHA256>`."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{stamp}.".encode() + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def encode_event(event: Mapping[str, Any]) -> bytes:
    """The JSON body Stripe posts for an event (pretty-printed like the API)."""
    return json.dumps(event, indent=2).encode("utf-8")


@dataclass(frozen=True)
class Delivery:
    """One attempt to post an event to the webhook URL."""

    event_id: str
    url: str
    status: int | None
    error: str | None
    attempted_at: float

    @property
    def ok(self) -> bool:
        """Whether the endpoint answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


def _http_sender(timeout: float) -> Sender:
    # urllib: no client to keep open and no TLS context to build for loopback http URLs.
    def send(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            with error:
                return error.code

    return send


class WebhookDispatcher:
    """Queue of signed event deliveries to one endpoint."""

    def __init__(self, url: str | None = None, secret: str | None = None, *,
                 mode: DeliveryMode = "background", sender: Sender | None = None,
                 timeout: float = 5.0) -> None:
        if mode not in ("background", "sync"):
            raise ValueError("delivery must be 'background' or 'sync'")
        self.url = url
        self.secret = secret
        self.mode = mode
        self._send = sender or _http_sender(timeout)
        self._queue: deque[tuple[str, bytes]] = deque()
        self._cv = threading.Condition()
        self._busy = False
        self._worker: threading.Thread | None = None
        self._last_worker: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self.deliveries: list[Delivery] = []

    @property
    def enabled(self) -> bool:
        """Whether a webhook URL and secret are configured."""
        return bool(self.url and self.secret)

    def configure(self, url: str | None, secret: str | None) -> None:
        """Point deliveries at another endpoint (None disables delivery)."""
        self.url, self.secret = url, secret

    def enqueue(self, event_id: str, payload: bytes) -> None:
        """Queue one event; nothing is sent until `kick()`."""
        if not self.enabled:
            return
        with self._cv:
            self._queue.append((event_id, payload))

    def kick(self) -> None:
        """Start sending what is queued (inline when sync, else on the worker thread)."""
        if self.mode == "sync":
            self._drain()
            return
        with self._cv:
            if self._queue and self._worker is None:
                self._worker = self._last_worker = threading.Thread(
                    target=self._run, name="stripe-fake-webhooks", daemon=True
                )
                self._worker.start()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event was attempted; False on timeout."""
        self.kick()
        with self._cv:
            done = self._cv.wait_for(
                lambda: not self._queue and not self._busy and self._worker is None, timeout
            )
        return done

    def close(self, timeout: float = 10.0) -> None:
        """Send what is left and wait for the worker thread to end."""
        self.flush(timeout)
        if self._last_worker is not None:
            self._last_worker.join(timeout)

    def _run(self) -> None:
        while True:
            self._drain()
            with self._cv:
                # Exit only under the lock kick() takes, with nothing queued: nothing strands.
                if not self._queue:
                    self._worker = None
                    self._cv.notify_all()
                    return

    def _drain(self) -> None:
        with self._send_lock:
            while True:
                with self._cv:
                    if not self._queue:
                        return
                    event_id, payload = self._queue.popleft()
                    self._busy = True
                try:
                    self._deliver(event_id, payload)
                finally:
                    with self._cv:
                        self._busy = False
                        self._cv.notify_all()

    def _deliver(self, event_id: str, payload: bytes) -> Delivery:
        url, secret = self.url, self.secret
        if not url or not secret:
            return self._record(Delivery(event_id, url or "", None, "disabled", time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": sign_payload(payload, secret),
        }
        try:
            status: int | None = self._send(url, payload, headers)
            error = None
        except Exception as exc:  # the endpoint may be down: record it like Stripe does
            status, error = None, f"{type(exc).__name__}: {exc}"
        return self._record(Delivery(event_id, url, status, error, time.time()))

    def _record(self, delivery: Delivery) -> Delivery:
        with self._cv:
            self.deliveries.append(delivery)
        return delivery

"""Fixtures: a fake Stripe on loopback, a webhook receiver, and the real `stripe` client."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import stripe
from stripe._http_client import HTTPClient
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.stripe_fake import FakeStripeServer

WEBHOOK_SECRET = "whsec_test_fake_secret"


@dataclass(frozen=True)
class Received:
    """One webhook delivery as the receiver saw it."""

    body: bytes
    signature: str


class _Quiet(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log."""


class WebhookSink:
    """A tiny HTTP endpoint that records what the fake posts to it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where to point the fake's webhooks."""
        return f"http://127.0.0.1:{self._server.server_port}/webhooks/stripe"

    def _app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.received.append(Received(request.get_data(),
                                      request.headers.get("Stripe-Signature", "")))
        return Response("ok", status=self.status)(environ, start_response)

    def events(self) -> list[stripe.Event]:
        """Every delivery, verified with the real library."""
        return [stripe.Webhook.construct_event(r.body, r.signature, WEBHOOK_SECRET)
                for r in self.received]

    def types(self) -> list[str]:
        """The verified event types in delivery order."""
        return [event.type for event in self.events()]

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every server and webhook worker a test starts is gone after its teardown."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before]
    for thread in leaked:
        thread.join(timeout=2)
    assert [t.name for t in leaked if t.is_alive()] == []


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library sleeps at least 0.5 s between retries; tests need not."""
    monkeypatch.setattr(HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(HTTPClient, "MAX_DELAY", 0.02)


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    """A webhook receiver on loopback."""
    receiver = WebhookSink()
    yield receiver
    receiver.close()


@pytest.fixture
def fake(sink: WebhookSink) -> Iterator[FakeStripeServer]:
    """A fake Stripe delivering webhooks synchronously to `sink`."""
    with FakeStripeServer(webhook_url=sink.url, webhook_secret=WEBHOOK_SECRET,
                          delivery="sync") as server:
        yield server


ClientFactory = Callable[..., stripe.StripeClient]


@pytest.fixture
def make_client(fake: FakeStripeServer) -> Iterator[ClientFactory]:
    """Build real `StripeClient`s against the fake; their HTTP sessions are closed after."""
    sessions: list[requests.Session] = []

    def build(api_key: str = "sk_test_fake", *, timeout: float = 5.0, retries: int = 2,
              **options: Any) -> stripe.StripeClient:
        session = requests.Session()
        sessions.append(session)
        return stripe.StripeClient(
            api_key, base_addresses={"api": fake.url}, max_network_retries=retries,
            http_client=stripe.RequestsClient(timeout=timeout, session=session), **options)

    yield build
    for session in sessions:
        session.close()


@pytest.fixture
def client(make_client: ClientFactory) -> stripe.StripeClient:
    """The default client: 2 network retries, 5 s timeout."""
    return make_client()


@pytest.fixture
def enabled_account(client: stripe.StripeClient, fake: FakeStripeServer) -> stripe.Account:
    """An Express account that finished onboarding (transfers active)."""
    account = client.v1.accounts.create(params={
        "type": "express", "country": "US",
        "capabilities": {"transfers": {"requested": True}}})
    fake.control(f"accounts/{account.id}/complete_onboarding")
    return client.v1.accounts.retrieve(account.id)

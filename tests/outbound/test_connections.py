"""The guard at connect time, on real sockets: DNS rebinding, redirects, big and slow answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gateway import outbound
from gateway.extensions import db
from gateway.outbox import worker
from gateway.outbox.models import DeliveryAttempt, OutboxMessage
from tests.developer_portal.helpers import developer, page, post_form

PUBLIC = "93.184.216.34"


class Listener:
    """A bare listening socket on loopback that reports whether anybody connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def connected(self, wait: float = 0.3) -> bool:
        self.sock.settimeout(wait)
        try:
            conn, _ = self.sock.accept()
        except TimeoutError:
            return False
        conn.close()
        return True


@pytest.fixture
def listener() -> Iterator[Listener]:
    sock = Listener()
    yield sock
    sock.sock.close()


class Answering:
    """A loopback HTTP server answering with a status, headers and body chosen by the test."""

    def __init__(self, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None,
                 delay: float = 0.0) -> None:
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.seen.append(dict(self.headers))
                time.sleep(delay)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _rebinding(answers: list[list[str]]) -> outbound.Resolver:
    """A DNS that gives each answer in turn, then the last one forever."""
    def resolve(host: str, port: int) -> list[str]:
        return answers.pop(0) if len(answers) > 1 else answers[0]
    return resolve


def test_a_name_rebound_to_loopback_after_registration_is_never_connected(
        app, client, auth, factory, listener: Listener) -> None:
    """Registered while rebind.example resolved to a public address; at delivery it resolves to
    127.0.0.1 where a socket listens: the worker refuses, connects nowhere, and the developer
    reads "refused: address not allowed"."""
    outbound.client().guard.resolver = _rebinding([[PUBLIC], ["127.0.0.1"]])
    _, appid, _ = developer(client, auth, factory, "devon", "Rebinder")
    url = f"http://rebind.example:{listener.port}/hook"
    new = f"/developer/apps/{appid}/webhooks/new"
    response = post_form(client, new, new, {"url": url})
    assert response.status_code == 303, response.get_data(as_text=True)
    from gateway.apps.models import App
    from gateway.outbox.endpoints import endpoints_of
    app_row = db.session.query(App).filter_by(appid=appid).one()
    assert [e.url for e in endpoints_of(app_row)] == [url]
    from gateway.outbox.services import enqueue_webhook
    enqueue_webhook(app_row, "webhook.test", {"n": 1})
    db.session.commit()

    assert worker.run_once() == 1
    assert not listener.connected()
    attempt = db.session.query(DeliveryAttempt).one()
    assert attempt.status_code is None and attempt.error == "refused: address not allowed"
    html = page(client, f"/developer/apps/{appid}/deliveries")
    assert "refused: address not allowed" in html and "Errno" not in html

    # Resend repeats the refusal, never a probe.
    message = db.session.query(OutboxMessage).one()
    post_form(client, f"/developer/apps/{appid}/deliveries",
              f"/developer/apps/{appid}/deliveries/{message.id}/resend", {})
    assert worker.run_once() == 1
    assert not listener.connected()


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "[::1]",
                                  "0.0.0.0", "169.254.169.254"])
def test_delivery_to_internal_literals_is_refused_without_connecting(
        app, host: str, listener: Listener) -> None:
    with pytest.raises(outbound.AddressNotAllowed):
        outbound.post(f"http://{host}:{listener.port}/x", content=b"{}")
    assert not listener.connected(0.05)


def test_the_registration_form_and_management_api_refuse_internal_urls(
        app, client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Prober")
    new = f"/developer/apps/{appid}/webhooks/new"
    response = post_form(client, new, new, {"url": "http://169.254.169.254/latest/meta-data/"})
    assert response.status_code == 400
    assert "This address is not allowed" in response.get_data(as_text=True)


@pytest.fixture
def loopback_allowed(app) -> None:
    app.extensions[outbound.EXTENSION] = outbound.Client.from_config(
        {**app.config, "ZC_OUTBOUND_ALLOW_LOOPBACK": True, "ZC_OUTBOX_TIMEOUT_SECONDS": 1,
         "ZC_OUTBOUND_MAX_RESPONSE_BYTES": 1000})


def test_redirects_are_answers_never_followed(app, loopback_allowed, listener: Listener) -> None:
    server = Answering(302, headers={"Location": f"http://127.0.0.1:{listener.port}/inside"})
    try:
        response = outbound.post(f"http://127.0.0.1:{server.port}/hook", content=b"{}")
    finally:
        server.close()
    assert response.status == 302
    assert not listener.connected(0.1)


def test_answers_are_read_up_to_the_bound(app, loopback_allowed) -> None:
    server = Answering(200, body=b"x" * 50_000)
    try:
        response = outbound.post(f"http://127.0.0.1:{server.port}/hook", content=b"{}")
    finally:
        server.close()
    assert response.truncated and response.body == b"x" * 1000


def test_a_silent_server_times_out_quickly(app, loopback_allowed, listener: Listener) -> None:
    started = time.monotonic()
    with pytest.raises(outbound.OutboundError) as caught:
        outbound.post(f"http://127.0.0.1:{listener.port}/hook", content=b"{}")
    assert caught.value.public == "timed out"
    assert time.monotonic() - started < 3


def test_the_vetted_address_is_connected_and_the_host_header_keeps_the_name(app) -> None:
    server = Answering(204)
    client = outbound.Client.from_config({"ZC_OUTBOUND_ALLOW_HOSTS": "hooks.corp.example"})
    client.guard.resolver = lambda host, port: ["127.0.0.1"]
    try:
        assert client.post(f"http://hooks.corp.example:{server.port}/h").status == 204
    finally:
        server.close()
    assert server.seen[0]["Host"] == f"hooks.corp.example:{server.port}"


def test_the_management_api_refuses_internal_callback_urls(app, client, auth, factory) -> None:
    from tests.developer_portal.test_manage_api import _bearer, _create_key

    _, appid, _ = developer(client, auth, factory, "devon", "Prober")
    token = _create_key(client, "ci", "write")
    response = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(token),
                            json={"deauthorize_url": "http://2130706433:22/"})
    assert response.status_code == 422
    assert "not allowed" in response.get_json()["fields"]["deauthorize_url"][0]
    response = client.post(f"/api/v1/manage/apps/{appid}/webhook-endpoints",
                           headers=_bearer(token), json={"url": "http://2130706433:22/"})
    assert response.status_code == 422
    assert "not allowed" in response.get_json()["fields"]["url"][0]


@pytest.mark.parametrize("url", ["https://127.1/n", "https://[::ffff:127.0.0.1]/n",
                                 "https://10.0.0.8/n", "http://localhost:22/n",
                                 "https://169.254.169.254/latest"])
def test_order_notify_urls_to_internal_addresses_are_refused(app, client, factory,
                                                             url: str) -> None:
    from tests.money_helpers import make_shop

    shop = make_shop(factory)
    response = client.post("/api/v1/payments/orders", json=shop.order_body(notify_url=url),
                           headers=shop.headers)
    assert response.status_code == 422
    assert "notify_url" in response.get_json()["fields"]

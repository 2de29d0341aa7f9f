"""Double spending, free coins, SSRF through every developer URL (every loopback spelling, cloud
metadata, DNS rebinding, Resend as a probe)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway import outbound
from gateway.config import ConfigError, build
from gateway.extensions import db
from gateway.outbox import worker
from gateway.outbox.models import DeliveryAttempt
from gateway.outbox.services import enqueue_webhook
from tests.attacks.conftest import INTERNALS
from tests.conftest import csrf_from
from tests.developer_portal.helpers import developer, post_form
from tests.money_helpers import coins, make_shop
from tests.security.test_production_refusals import PRODUCTION

SPELLINGS = ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "[::1]", "0.0.0.0",
             "169.254.169.254", "[::ffff:127.0.0.1]", "10.0.0.1", "localhost"]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(0.2)
    yield sock
    sock.close()


def _connected(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
    except TimeoutError:
        return False
    return True


def test_confirming_one_order_twice_moves_coins_once(client: FlaskClient, auth,
                                                    factory) -> None:
    shop = make_shop(factory, coins=1000)
    order = client.post("/api/v1/payments/orders", json=shop.order_body(60),
                        headers=shop.headers).get_json()
    auth.login(shop.username)
    page = client.get(f"/pay/orders/{order['order_id']}/confirm").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "confirm": "yes"}
    client.post(f"/pay/orders/{order['order_id']}/confirm", data=data)
    again = client.post(f"/pay/orders/{order['order_id']}/confirm", data=data)
    assert again.status_code == 200 and "already paid" in again.get_data(as_text=True)
    assert coins(shop.user_id) == 1000 - 60


def test_negative_huge_or_odd_amounts_are_refused(client: FlaskClient, factory) -> None:
    shop = make_shop(factory, coins=100)
    amount: Any
    for amount in (-60, 0, 10**15, 1.5, "60", True):
        response = client.post("/api/v1/payments/orders",
                               json=shop.order_body() | {"amount": amount}, headers=shop.headers)
        assert response.status_code == 422, amount


def test_an_idempotency_key_cannot_be_reused_for_another_order(client: FlaskClient,
                                                               factory) -> None:
    shop = make_shop(factory, coins=100)
    headers = {**shop.headers, "Idempotency-Key": "k1"}
    assert client.post("/api/v1/payments/orders", json=shop.order_body(10),
                       headers=headers).status_code == 201
    assert client.post("/api/v1/payments/orders", json=shop.order_body(99),
                       headers=headers).status_code == 409


def test_refunding_twice_refunds_once(client: FlaskClient, auth, factory) -> None:
    from tests.money_helpers import pay_order

    shop = make_shop(factory, coins=100)
    order_id = pay_order(shop, 60)
    first = client.post(f"/api/v1/payments/orders/{order_id}/refund", headers=shop.headers)
    second = client.post(f"/api/v1/payments/orders/{order_id}/refund", headers=shop.headers)
    assert first.status_code == 200 and second.status_code in {200, 409}
    assert coins(shop.user_id) == 100


def test_free_coins_production_refuses_the_sandbox_provider(tmp_path) -> None:
    with pytest.raises(ConfigError, match="ZC_PAYMENT_PROVIDER"):
        build(str(tmp_path), {**PRODUCTION, "ZC_PAYMENT_PROVIDER": "sandbox"}, environ={})
    assert build(str(tmp_path), PRODUCTION, environ={})["ZC_PAYMENT_PROVIDER"] == "stripe"


def test_ssrf_webhook_urls_in_every_loopback_spelling_are_refused_at_registration(
        client: FlaskClient, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Prober")
    edit = f"/developer/apps/{appid}/edit"
    new = f"/developer/apps/{appid}/webhooks/new"
    for host in SPELLINGS:
        response = post_form(client, edit, edit, {
            "name": "Prober", "category": "social", "app_type": "web",
            "redirect_uris": "https://a.example/cb", "deauthorize_url": f"http://{host}:22/"})
        assert response.status_code == 400, host
        assert post_form(client, new, new, {"url": f"http://{host}:22/"}).status_code == 400, host
    assert client.get(f"/developer/apps/{appid}/webhooks").status_code == 200
    from gateway.outbox.models import WebhookEndpoint
    assert db.session.query(WebhookEndpoint).count() == 0


def test_ssrf_stored_internal_urls_are_never_connected_and_show_no_error_text(
        client: FlaskClient, auth, factory, listener: socket.socket) -> None:
    """Rows written before the guard, or through any path that skipped registration: the worker
    still refuses at connect time, and the page shows a short reason, not the socket's error."""
    port = listener.getsockname()[1]
    user, appid, _ = developer(client, auth, factory, "devon", "Prober")
    from gateway.apps.models import App

    app_row = db.session.query(App).filter_by(appid=appid).one()
    for host in SPELLINGS:
        target = f"http://{host}:{port}/probe"
        enqueue_webhook(app_row, "webhook.test", {}, url=target)
        enqueue_webhook(app_row, "user.deauthorized", {}, url=target)
    db.session.commit()
    assert worker.run_once(limit=100) == 2 * len(SPELLINGS)
    assert not _connected(listener)
    errors = {a.error for a in db.session.query(DeliveryAttempt)}
    assert errors == {"refused: address not allowed"}
    html = client.get(f"/developer/apps/{appid}/deliveries").get_data(as_text=True)
    assert "refused: address not allowed" in html and not INTERNALS.search(html)


def test_ssrf_dns_rebinding_is_refused_at_delivery(client: FlaskClient, auth, factory,
                                                   listener: socket.socket) -> None:
    answers = [["93.184.216.34"], ["127.0.0.1"]]
    outbound.client().guard.resolver = lambda h, p: answers.pop(0) if len(answers) > 1 \
        else answers[0]
    _, appid, _ = developer(client, auth, factory, "devon", "Rebinder")
    new = f"/developer/apps/{appid}/webhooks/new"
    url = f"http://rebind.example:{listener.getsockname()[1]}/hook"
    assert post_form(client, new, new, {"url": url}).status_code == 303
    from gateway.apps.models import App

    enqueue_webhook(db.session.query(App).filter_by(appid=appid).one(), "webhook.test", {})
    db.session.commit()
    worker.run_once()
    assert not _connected(listener)


def test_ssrf_order_notify_urls_are_refused(client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    for url in ("https://127.1/n", "https://169.254.169.254/latest/meta-data",
                "http://localhost:22/", "https://[::1]/n"):
        response = client.post("/api/v1/payments/orders", json=shop.order_body(notify_url=url),
                               headers=shop.headers)
        assert response.status_code == 422, url

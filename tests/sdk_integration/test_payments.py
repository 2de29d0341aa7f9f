"""Orders through the SDK against the real payments API, the user's confirmation page, the
outbox worker's signed callback, and `zoneconnect.webhooks.verify` on what actually arrived."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import zoneconnect

from gateway.extensions import db
from gateway.outbox.worker import run_once
from gateway.wallet.services import grant
from tests.sdk_integration.conftest import log_in_with_sdk
from tests.sdk_integration.live import LiveServer, serve


class Receiver:
    """A webhook endpoint that keeps each raw body and its headers."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, dict[str, str]]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
        with self.lock:
            self.calls.append((body, headers))
        start_response("204 No Content", [])
        return []


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, LiveServer]]:
    hook = Receiver()
    with serve(hook) as live:
        yield hook, live


@pytest.fixture
def rich_alice(platform):
    """Alice with 500 promotional coins."""
    grant(platform.alice_id, 500)
    db.session.commit()


def confirm(browser, order: zoneconnect.Order, choice: str = "yes"):
    """Alice approves (or declines) the order on the platform's confirmation page."""
    page = browser.get(order.confirm_url or "")
    assert page.status_code == 200, page.text[:500]
    assert order.item_name in page.text and f"{order.amount} coins" in page.text
    return browser.submit(page, button=("confirm", choice),
                          match=lambda f: ("confirm", "yes") in f.buttons)


def test_order_create_confirm_retrieve_refund(sdk, browser, rich_alice, receiver):
    hook, live = receiver
    token = log_in_with_sdk(sdk, browser)
    order = sdk.orders.create(openid=token.openid or "", amount=60, item_id="sword-1",
                              item_name="Sword", notify_url=live.url + "/hook")
    assert order.status == "pending" and order.amount == 60 and order.openid == token.openid
    assert order.order_id.startswith("ord_") and order.confirm_url
    assert order.confirm_url.startswith(sdk.base_url + "/pay/orders/")
    done = confirm(browser, order)
    assert done.status_code in (200, 302), done.text[:500]
    paid = sdk.orders.retrieve(order.order_id)
    assert paid.status == "paid" and paid.paid_at is not None
    refunded = sdk.orders.refund(order.order_id)
    assert refunded.status == "refunded" and refunded.refunded_at is not None
    assert sdk.orders.retrieve(order.order_id).status == "refunded"


def test_idempotency_key_replays_the_same_order(sdk, browser, rich_alice):
    token = log_in_with_sdk(sdk, browser)
    first = sdk.orders.create(openid=token.openid or "", amount=10, item_id="gem",
                              item_name="Gem", idempotency_key="purchase-42")
    again = sdk.orders.create(openid=token.openid or "", amount=10, item_id="gem",
                              item_name="Gem", idempotency_key="purchase-42")
    assert again.order_id == first.order_id
    with pytest.raises(zoneconnect.ConflictError) as conflict:
        sdk.orders.create(openid=token.openid or "", amount=11, item_id="gem",
                          item_name="Gem", idempotency_key="purchase-42")
    assert conflict.value.code == "idempotency_conflict"


def test_order_errors_map_to_sdk_exceptions(sdk, platform, browser):
    token = log_in_with_sdk(sdk, browser)
    with pytest.raises(zoneconnect.BadRequestError) as invalid:
        sdk.orders.create(openid=token.openid or "", amount=5, item_id="x", item_name="X" * 129,
                          notify_url="ftp://example.com/hook")
    assert invalid.value.status_code == 422 and invalid.value.code == "validation_error"
    assert {"item_name", "notify_url"} <= set(invalid.value.fields or {})
    with pytest.raises(zoneconnect.NotFoundError) as stranger:
        sdk.orders.create(openid="0" * 32, amount=5, item_id="x", item_name="X")
    assert stranger.value.code == "unknown_openid"
    with pytest.raises(zoneconnect.NotFoundError):
        sdk.orders.retrieve("ord_does_not_exist")
    with zoneconnect.Client(app_id=platform.appid, app_key="0" * 32, base_url=platform.url,
                            max_retries=0) as wrong:
        with pytest.raises(zoneconnect.AuthenticationError):
            wrong.orders.retrieve("ord_whatever")


def test_paid_webhook_verifies_with_the_sdk(sdk, platform, browser, rich_alice, receiver):
    hook, live = receiver
    token = log_in_with_sdk(sdk, browser)
    order = sdk.orders.create(openid=token.openid or "", amount=25, item_id="shield",
                              item_name="Shield", notify_url=live.url + "/hook")
    confirm(browser, order)
    assert run_once() >= 1  # the outbox worker, as `gateway worker` runs it
    db.session.commit()
    assert len(hook.calls) == 1
    body, headers = hook.calls[0]
    event = zoneconnect.webhooks.verify(body, headers, platform.webhook_secret)
    assert event.type == "order.paid" and event.id.startswith("evt_")
    assert event.order is not None and event.order.order_id == order.order_id
    assert event.order.status == "paid" and event.order.amount == 25
    assert event.livemode is True and event.order.livemode is True
    with pytest.raises(zoneconnect.SignatureVerificationError):
        zoneconnect.webhooks.verify(body, headers, "not-the-secret")
    tampered = json.dumps({**json.loads(body), "type": "order.refunded"}).encode()
    with pytest.raises(zoneconnect.SignatureVerificationError):
        zoneconnect.webhooks.verify(tampered, headers, platform.webhook_secret)


def test_declined_order_is_canceled(sdk, browser, rich_alice):
    token = log_in_with_sdk(sdk, browser)
    order = sdk.orders.create(openid=token.openid or "", amount=5, item_id="hat",
                              item_name="Hat")
    confirm(browser, order, "no")
    assert sdk.orders.retrieve(order.order_id).status == "canceled"
    with pytest.raises(zoneconnect.APIError):
        sdk.orders.refund(order.order_id)


def test_sandbox_order_through_the_sdk(sdk, platform, browser, receiver):
    """An app in sandbox mode: the SDK creates and reads an order with livemode false, the user
    pays it in test coins, the signed callback says livemode false and the SDK reads it so."""
    from gateway.accounts.models import User
    from gateway.apps import services as apps
    from gateway.ledger import services as ledger
    from gateway.payments import sandbox

    hook, live = receiver
    app = apps.find_by_appid(platform.appid)
    apps.add_test_user(app, db.session.get(User, platform.alice_id))
    sandbox.set_mode(app, sandbox=True, actor_id=app.developer_id)
    sandbox.grant_test_coins(app, platform.alice_id, 40, actor_id=app.developer_id)
    db.session.commit()
    token = log_in_with_sdk(sdk, browser)
    order = sdk.orders.create(openid=token.openid or "", amount=25, item_id="shield",
                              item_name="Shield", notify_url=live.url + "/hook")
    assert order.livemode is False and order.status == "pending"
    page = browser.get(order.confirm_url or "")
    assert "Test mode" in page.text and "25 test coins" in page.text
    browser.submit(page, button=("confirm", "yes"), match=lambda f: ("confirm", "yes") in f.buttons)
    paid = sdk.orders.retrieve(order.order_id)
    assert paid.status == "paid" and paid.livemode is False
    assert run_once() >= 1
    db.session.commit()
    body, headers = hook.calls[0]
    event = zoneconnect.webhooks.verify(body, headers, platform.webhook_secret)
    assert event.livemode is False and event.order is not None
    assert event.order.livemode is False and event.order.order_id == order.order_id
    db.session.expire_all()
    assert ledger.test_coin_balance(platform.alice_id) == 15
    assert ledger.coin_balance(platform.alice_id) == 0

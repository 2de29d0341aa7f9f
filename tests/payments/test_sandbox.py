"""Sandbox mode: orders paid in test coins, in a book of their own that never reaches settlement,
payouts or the live ledger; callbacks marked livemode false; the attacks on the books."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.accounts.models import User
from gateway.apps import services as apps
from gateway.audit.models import AuditEvent
from gateway.developers import services as developers
from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.ledger.errors import MixedBooks
from gateway.ledger.models import TEST_CURRENCY, LedgerLeg, LedgerTransaction
from gateway.outbox.models import OutboxMessage, WebhookEvent
from gateway.payments import sandbox
from gateway.payments.errors import NotATestUser
from gateway.payments.models import Order
from gateway.revenue.models import Settlement
from gateway.revenue.settlement import settle_month, unsettled_by_month
from tests.conftest import csrf_from
from tests.money_helpers import Shop, coins, make_shop

URL = "/api/v1/payments/orders"


def _tester_shop(factory, *, real_coins: int = 0, sandbox_mode: bool = True) -> Shop:
    """make_shop's live app and user, the user a test user, the app in sandbox mode."""
    shop = make_shop(factory, coins=real_coins)
    developer = db.session.get(User, shop.developer_id)
    developers.open_profile(developer, name="Sword Ltd", contact_email="sword@example.com")
    apps.add_test_user(shop.app, db.session.get(User, shop.user_id))
    shop.app.sandbox = sandbox_mode
    db.session.commit()
    return shop


def _developer_of(shop: Shop) -> str:
    return db.session.get(User, shop.developer_id).username


def _create(client: FlaskClient, shop: Shop, amount: int = 60, status: int = 201, **extra):
    response = client.post(URL, json=shop.order_body(amount, **extra), headers=shop.headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _pay(client: FlaskClient, order_id: str):
    page = client.get(f"/pay/orders/{order_id}/confirm")
    assert page.status_code == 200
    return client.post(f"/pay/orders/{order_id}/confirm", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "confirm": "yes"})


def _grant_in_portal(client: FlaskClient, shop: Shop, username: str, amount: int,
                     grant_id: str | None = None):
    html = client.get(f"/developer/apps/{shop.app.appid}/sandbox").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "username": username, "coins": str(amount)}
    if grant_id is not None:
        data["grant_id"] = grant_id
    return client.post(f"/developer/apps/{shop.app.appid}/sandbox/grant", data=data)


def _ledger_rows() -> int:
    return db.session.scalar(select(func.count(LedgerLeg.id))) or 0


def test_a_sandbox_order_end_to_end(app: Flask, client: FlaskClient, factory, auth,
                                    runner) -> None:
    shop = _tester_shop(factory, real_coins=500, sandbox_mode=False)
    auth.login(_developer_of(shop))
    page = client.get(f"/developer/apps/{shop.app.appid}").get_data(as_text=True)
    assert 'id="app-mode">Live mode<' in page
    # The developer switches the app to sandbox mode in the portal...
    html = client.get(f"/developer/apps/{shop.app.appid}/sandbox").get_data(as_text=True)
    response = client.post(f"/developer/apps/{shop.app.appid}/sandbox/mode", data={
        "csrf_token": csrf_from(html), "mode": "sandbox"})
    assert response.status_code == 303
    page = client.get(f"/developer/apps/{shop.app.appid}").get_data(as_text=True)
    assert 'id="app-mode">Sandbox mode<' in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "app.mode_changed"))
    # ... and gives the test user 100 test coins.
    assert _grant_in_portal(client, shop, shop.username, 100).status_code == 303
    html = client.get(f"/developer/apps/{shop.app.appid}/sandbox").get_data(as_text=True)
    assert f"<td>{shop.username}</td><td class=\"num\">100</td>" in html
    auth.logout()

    order = _create(client, shop, 60, notify_url="https://shop.example/notify")
    assert order["livemode"] is False and order["status"] == "pending"
    assert client.get(f"{URL}/{order['order_id']}", headers=shop.headers).get_json()[
        "livemode"] is False

    auth.login(shop.username)
    wallet = client.get("/account/wallet").get_data(as_text=True)
    assert 'id="coin-balance">500<' in wallet and "You also have 100 test coins" in wallet
    confirm = client.get(f"/pay/orders/{order['order_id']}/confirm").get_data(as_text=True)
    assert 'id="test-mode"' in confirm and "Test mode" in confirm
    assert "60 test coins" in confirm and "100 test coins" in confirm
    response = _pay(client, order["order_id"])
    assert response.status_code == 200 and "Payment done" in response.get_data(as_text=True)

    db.session.expire_all()
    assert ledger.test_coin_balance(shop.user_id) == 40
    assert coins(shop.user_id) == 500  # real coins untouched
    assert sandbox.test_sales(shop.app) == 60
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 0
    paid = db.session.get(Order, order["order_id"])
    assert paid.status == "paid" and paid.livemode is False and paid.money_amount == 0
    message = db.session.scalar(select(OutboxMessage).where(  # the notify_url's delivery
        OutboxMessage.event_type == "order.paid", OutboxMessage.endpoint_id.is_(None)))
    body = json.loads(message.body)
    assert body["livemode"] is False and body["data"]["livemode"] is False
    assert message.url == "https://shop.example/notify"
    # Every leg of the payment is in test coins.
    txn = ledger.find(f"order:{order['order_id']}:pay")
    assert txn.kind == "sandbox.pay"
    assert {leg.currency for leg in txn.legs} == {TEST_CURRENCY}
    assert run_checks() == []
    db.session.commit()  # (the balance reads above opened accounts)

    # Refunded through the API: the test coins come back, the event is livemode false too.
    refunded = client.post(f"{URL}/{order['order_id']}/refund", headers=shop.headers)
    assert refunded.status_code == 200 and refunded.get_json()["livemode"] is False
    db.session.expire_all()
    assert ledger.test_coin_balance(shop.user_id) == 100 and sandbox.test_sales(shop.app) == 0
    event = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.event_type == "order.refunded"))
    assert json.loads(event.body)["livemode"] is False
    assert run_checks() == []
    db.session.commit()
    checked = runner.invoke(args=["ledger", "check"])
    assert checked.exit_code == 0 and "ledger ok" in checked.output


def test_live_orders_and_their_events_say_livemode_true(app: Flask, client: FlaskClient,
                                                        factory, auth) -> None:
    shop = _tester_shop(factory, real_coins=100, sandbox_mode=False)
    order = _create(client, shop, 60)
    assert order["livemode"] is True
    auth.login(shop.username)
    assert _pay(client, order["order_id"]).status_code == 200
    confirm = client.get(f"/pay/orders/{order['order_id']}/confirm").get_data(as_text=True)
    assert 'id="test-mode"' not in confirm
    body = json.loads(db.session.scalar(select(OutboxMessage.body)))
    assert body["livemode"] is True and body["data"]["livemode"] is True


def test_sandbox_orders_leave_settlement_and_the_live_books_untouched(
        app: Flask, client: FlaskClient, factory, auth) -> None:
    shop = _tester_shop(factory, real_coins=100, sandbox_mode=False)
    live = _create(client, shop, 30)
    shop.app.sandbox = True
    db.session.commit()
    sandbox.grant_test_coins(shop.app, shop.user_id, 1000, actor_id=shop.developer_id)
    db.session.commit()
    test = _create(client, shop, 700)
    auth.login(shop.username)
    assert _pay(client, live["order_id"]).status_code == 200
    assert _pay(client, test["order_id"]).status_code == 200
    for order_id in (live["order_id"], test["order_id"]):
        db.session.get(Order, order_id).paid_at = datetime(2026, 3, 2)
    db.session.commit()
    assert unsettled_by_month(shop.developer_id) == [("2026-03", 300)]

    [settlement] = settle_month("2026-03")
    db.session.commit()
    assert settlement.gross == 300  # the live order's 30 coins only
    assert db.session.get(Order, test["order_id"]).settlement_id is None
    assert ledger.balance(ledger.platform("revenue")) == 0  # 100% tier
    assert ledger.balance(ledger.developer(shop.developer_id, "pending")) == 300
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 0
    assert settle_month("2026-03") == []  # nothing left to settle, the sandbox order included
    assert db.session.scalar(select(func.count(Settlement.id))) == 1
    assert run_checks() == []


def test_sandbox_orders_are_not_counted_in_the_platforms_metrics(
        app: Flask, client: FlaskClient, factory, auth) -> None:
    from prometheus_client import REGISTRY

    def counted(status: str) -> float:
        return REGISTRY.get_sample_value("zc_orders_total", {"status": status}) or 0.0

    shop = _tester_shop(factory)
    sandbox.grant_test_coins(shop.app, shop.user_id, 100, actor_id=shop.developer_id)
    db.session.commit()
    before = counted("pending"), counted("paid")
    order = _create(client, shop, 60)
    auth.login(shop.username)
    assert _pay(client, order["order_id"]).status_code == 200
    assert (counted("pending"), counted("paid")) == before
    shop.app.sandbox = False
    db.session.commit()
    _create(client, shop, 1)  # a live order is counted, as before
    assert counted("pending") == before[0] + 1


def test_real_coins_never_pay_a_sandbox_order(app: Flask, client: FlaskClient, factory,
                                              auth) -> None:
    shop = _tester_shop(factory, real_coins=500)
    order = _create(client, shop, 60)
    auth.login(shop.username)
    confirm = client.get(f"/pay/orders/{order['order_id']}/confirm").get_data(as_text=True)
    assert 'id="order-short"' in confirm and 'id="top-up-link"' not in confirm
    before = _ledger_rows()
    response = _pay(client, order["order_id"])
    assert response.status_code == 402
    assert "Insufficient test coins" in response.get_data(as_text=True)
    db.session.expire_all()
    assert coins(shop.user_id) == 500 and _ledger_rows() == before
    assert db.session.get(Order, order["order_id"]).status == "failed"


def test_test_coins_never_pay_a_live_order(app: Flask, client: FlaskClient, factory,
                                           auth) -> None:
    shop = _tester_shop(factory)
    sandbox.grant_test_coins(shop.app, shop.user_id, 500, actor_id=shop.developer_id)
    shop.app.sandbox = False
    db.session.commit()
    order = _create(client, shop, 60)
    auth.login(shop.username)
    before = _ledger_rows()
    response = _pay(client, order["order_id"])
    assert response.status_code == 402
    db.session.expire_all()
    assert ledger.test_coin_balance(shop.user_id) == 500 and _ledger_rows() == before
    assert db.session.get(Order, order["order_id"]).status == "failed"


def test_no_transaction_can_mix_the_books(app: Flask, factory) -> None:
    shop = _tester_shop(factory, real_coins=100)
    sandbox.grant_test_coins(shop.app, shop.user_id, 100, actor_id=shop.developer_id)
    db.session.commit()
    before = _ledger_rows()
    # Test coins out, real coins in: balanced per currency pair, but two books.
    mixed = [(ledger.user_test_coins(shop.user_id), -10),
             (ledger.platform("test_issued", TEST_CURRENCY), 10),
             (ledger.user_coins(shop.user_id), 10),
             (ledger.platform("clearing", "ZCC"), -10)]
    with pytest.raises(MixedBooks):
        ledger.post("attack:mixed", "grant", mixed)
    # A test kind in real coins (or a live kind in test coins) is refused too.
    with pytest.raises(MixedBooks):
        ledger.post("attack:kind", "grant", [
            (ledger.account("user", shop.user_id, "test_coins", "ZCC"), 10),
            (ledger.platform("clearing", "ZCC"), -10)])
    db.session.rollback()
    assert _ledger_rows() == before and ledger.find("attack:mixed") is None
    assert ledger.test_coin_balance(shop.user_id) == 100 and coins(shop.user_id) == 100


def test_ledger_check_reports_a_mixed_transaction_written_behind_its_back(
        app: Flask, factory) -> None:
    shop = _tester_shop(factory, real_coins=100)
    test_account = ledger.user_test_coins(shop.user_id)
    real = ledger.user_coins(shop.user_id)
    txn = LedgerTransaction(idempotency_key="forged", kind="forged", details={})
    db.session.add(txn)
    db.session.flush()
    db.session.add_all([LedgerLeg(transaction_id=txn.id, account_id=test_account.id, amount=0,
                                  currency=TEST_CURRENCY),
                        LedgerLeg(transaction_id=txn.id, account_id=real.id, amount=0,
                                  currency="ZCC")])
    db.session.commit()
    assert f"transaction {txn.id} mixes the live and test books" in run_checks()


def test_only_test_users_get_test_coins(app: Flask, client: FlaskClient, factory,
                                        auth) -> None:
    shop = _tester_shop(factory)
    stranger = factory.user()
    with pytest.raises(NotATestUser):
        sandbox.grant_test_coins(shop.app, stranger.id, 10, actor_id=shop.developer_id)
    db.session.rollback()
    auth.login(_developer_of(shop))
    # The portal offers only the app's testers; a forged username is refused, nothing granted.
    html = client.get(f"/developer/apps/{shop.app.appid}/sandbox").get_data(as_text=True)
    assert f'<option value="{stranger.username}"' not in html
    response = _grant_in_portal(client, shop, stranger.username, 10)
    assert response.status_code == 400
    assert ledger.test_coin_balance(stranger.id) == 0
    # Another developer cannot grant coins through this app.
    auth.logout()
    other = factory.user()
    developers.open_profile(other, name="Other", contact_email="other@example.com")
    db.session.commit()
    auth.login(other.username)
    assert client.get(f"/developer/apps/{shop.app.appid}/sandbox").status_code == 404


def test_a_sandbox_order_is_for_test_users_only(app: Flask, client: FlaskClient, factory,
                                                auth) -> None:
    shop = _tester_shop(factory)
    # A real (non-test) user of the app who consented to pay.
    from gateway.authorizations.services import record_consent
    from gateway.identity.services import openid_for

    stranger = factory.user()
    record_consent(stranger.id, shop.app.id, ["get_user_info", "pay"])
    openid = openid_for(stranger.id, shop.app)
    db.session.commit()
    response = client.post(URL, headers=shop.headers, json={
        "openid": openid, "amount": 5, "item_id": "x", "item_name": "X"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "sandbox_test_users_only"
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_tester_removed_after_ordering_cannot_pay(app: Flask, client: FlaskClient, factory,
                                                    auth) -> None:
    shop = _tester_shop(factory)
    sandbox.grant_test_coins(shop.app, shop.user_id, 100, actor_id=shop.developer_id)
    db.session.commit()
    order = _create(client, shop, 60)
    auth.login(shop.username)
    page = client.get(f"/pay/orders/{order['order_id']}/confirm").get_data(as_text=True)
    developers.set_test_users(shop.app, db.session.get(User, shop.developer_id), [])
    db.session.commit()
    response = client.post(f"/pay/orders/{order['order_id']}/confirm", data={
        "csrf_token": csrf_from(page), "confirm": "yes"})
    assert response.status_code == 403
    db.session.expire_all()
    assert ledger.test_coin_balance(shop.user_id) == 100
    assert db.session.get(Order, order["order_id"]).status == "pending"


def test_replays_pay_once_and_grant_once(app: Flask, client: FlaskClient, factory,
                                         auth) -> None:
    shop = _tester_shop(factory)
    auth.login(_developer_of(shop))
    grant_id = "ab" * 16
    assert _grant_in_portal(client, shop, shop.username, 100, grant_id).status_code == 303
    assert _grant_in_portal(client, shop, shop.username, 100, grant_id).status_code == 303
    assert ledger.test_coin_balance(shop.user_id) == 100  # the same form twice: one grant
    auth.logout()
    order = _create(client, shop, 60)
    auth.login(shop.username)
    page = client.get(f"/pay/orders/{order['order_id']}/confirm").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "confirm": "yes"}
    first = client.post(f"/pay/orders/{order['order_id']}/confirm", data=data)
    second = client.post(f"/pay/orders/{order['order_id']}/confirm", data=data)
    assert first.status_code == 200 and second.status_code == 200
    assert "Already paid" in second.get_data(as_text=True)
    db.session.expire_all()
    assert ledger.test_coin_balance(shop.user_id) == 40
    assert db.session.scalar(select(func.count(WebhookEvent.id)).where(
        WebhookEvent.event_type == "order.paid")) == 1
    assert run_checks() == []


def test_test_balances_are_bounded_and_amounts_checked(app: Flask, client: FlaskClient,
                                                       factory, auth) -> None:
    shop = _tester_shop(factory)
    auth.login(_developer_of(shop))
    for bad in ("0", "-5", "abc", str(10**7)):
        assert _grant_in_portal(client, shop, shop.username, bad).status_code == 400  # type: ignore[arg-type]
    for _ in range(10):
        sandbox.grant_test_coins(shop.app, shop.user_id, 1_000_000, actor_id=shop.developer_id)
    db.session.commit()
    response = _grant_in_portal(client, shop, shop.username, 1)
    assert response.status_code == 422
    assert ledger.test_coin_balance(shop.user_id) == sandbox.MAX_TEST_BALANCE


def test_concurrent_confirmations_of_a_sandbox_order_pay_once(app: Flask, client: FlaskClient,
                                                              factory, auth,
                                                              monkeypatch) -> None:
    import threading
    import time

    shop = _tester_shop(factory)
    sandbox.grant_test_coins(shop.app, shop.user_id, 1000, actor_id=shop.developer_id)
    db.session.commit()
    real = ledger.user_test_coins

    def slow(user_id: int):  # widen the window between the claim and the coins, as under load
        time.sleep(0.05)
        return real(user_id)

    monkeypatch.setattr(ledger, "user_test_coins", slow)
    order_id = _create(client, shop, 60)["order_id"]
    auth.login(shop.username)
    page = client.get(f"/pay/orders/{order_id}/confirm").get_data(as_text=True)
    token, cookie = csrf_from(page), client.get_cookie("zc_session").value
    barrier = threading.Barrier(10)
    answers: list[tuple[int, str]] = []

    def confirm() -> None:
        browser = app.test_client()
        browser.set_cookie("zc_session", cookie)
        barrier.wait()
        response = browser.post(f"/pay/orders/{order_id}/confirm",
                                data={"csrf_token": token, "confirm": "yes"})
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=confirm) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200] * 10
    assert sum("Payment done" in body for _, body in answers) == 1
    db.session.expire_all()
    assert ledger.test_coin_balance(shop.user_id) == 940 and sandbox.test_sales(shop.app) == 60
    assert run_checks() == []

"""One order confirmed twenty times at once: paid once, every other answer says "already paid"."""

from __future__ import annotations

import threading
import time

from flask import Flask
from flask.testing import FlaskClient

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.payments.models import Order
from tests.conftest import csrf_from
from tests.money_helpers import coins, make_shop

URL = "/api/v1/payments/orders"


def test_twenty_concurrent_confirmations_pay_once(app: Flask, client: FlaskClient, factory,
                                                  auth, monkeypatch) -> None:
    shop = make_shop(factory, coins=10_000)  # enough to pay twice, were it allowed
    # Widen the window between reading the order and moving the coins, as a loaded server does.
    real_user_coins = ledger.user_coins

    def slow_user_coins(user_id: int):
        time.sleep(0.05)
        return real_user_coins(user_id)

    monkeypatch.setattr(ledger, "user_coins", slow_user_coins)
    order_id = client.post(URL, json=shop.order_body(60), headers=shop.headers).get_json()[
        "order_id"]
    auth.login(shop.username)
    page = client.get(f"/pay/orders/{order_id}/confirm").get_data(as_text=True)
    token, cookie = csrf_from(page), client.get_cookie("zc_session").value
    barrier = threading.Barrier(20)
    answers: list[tuple[int, str]] = []

    def confirm() -> None:
        browser = app.test_client()
        browser.set_cookie("zc_session", cookie)
        barrier.wait()
        response = browser.post(f"/pay/orders/{order_id}/confirm",
                                data={"csrf_token": token, "confirm": "yes"})
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=confirm) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200] * 20, [
        (s, b[:300]) for s, b in answers if s != 200]
    assert sum("Payment done" in body for _, body in answers) == 1
    assert sum("already paid" in body for _, body in answers) == 19
    db.session.expire_all()
    assert db.session.get(Order, order_id).status == "paid"
    assert coins(shop.user_id) == 10_000 - 60
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 600
    assert run_checks() == []

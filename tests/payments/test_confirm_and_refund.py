"""The confirmation page moves coins atomically; refunds give them back; events are queued."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.outbox.models import OutboxMessage
from gateway.payments.models import Order
from tests.conftest import csrf_from
from tests.money_helpers import coins, make_shop, webhook_endpoint

URL = "/api/v1/payments/orders"


def _order(client: FlaskClient, shop, amount: int = 60, **extra) -> str:
    response = client.post(URL, json=shop.order_body(amount, **extra), headers=shop.headers)
    assert response.status_code == 201
    return response.get_json()["order_id"]


def _decide(client: FlaskClient, order_id: str, choice: str):
    page = client.get(f"/pay/orders/{order_id}/confirm")
    assert page.status_code == 200
    return client.post(f"/pay/orders/{order_id}/confirm",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                             "confirm": choice})


def test_page_shows_app_item_price_balance(app: Flask, client: FlaskClient, factory,
                                           auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    auth.login(shop.username)
    html = client.get(f"/pay/orders/{order_id}/confirm").get_data(as_text=True)
    assert "Sword Shop" in html and "Sword" in html and "60 coins" in html
    assert "100 coins" in html
    assert ('<button class="button" type="submit" name="confirm" value="yes" id="pay-button">'
            in html)


def test_confirm_yes_pays(app: Flask, client: FlaskClient, factory, auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop, notify_url="https://shop.example/notify")
    auth.login(shop.username)
    response = _decide(client, order_id, "yes")
    assert response.status_code == 200
    assert "Payment done" in response.get_data(as_text=True)
    assert coins(shop.user_id) == 40
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 600
    order = db.session.get(Order, order_id)
    assert order is not None and order.status == "paid" and order.paid_at is not None
    # One event, delivered to the app's webhook endpoint and to the order's notify_url.
    endpoint, message = db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()
    assert (endpoint.url, endpoint.endpoint_id) == ("http://127.0.0.1:9/hook",
                                                   webhook_endpoint(shop.app).id)
    assert endpoint.event_id == message.event_id and endpoint.body == message.body
    assert message.url == "https://shop.example/notify" and message.event_type == "order.paid"
    assert message.endpoint_id is None
    body = json.loads(message.body)
    assert body["type"] == "order.paid" and body["data"]["status"] == "paid"
    assert body["data"]["order_id"] == order_id
    assert run_checks() == []
    # Confirming again moves nothing more.
    again = client.post(f"/pay/orders/{order_id}/confirm", data={
        "csrf_token": csrf_from(client.get("/account/wallet").get_data(as_text=True)),
        "confirm": "yes"})
    assert again.status_code == 200
    assert coins(shop.user_id) == 40


def test_paid_order_redirects_to_the_app_website(app: Flask, client: FlaskClient, factory,
                                                 auth) -> None:
    shop = make_shop(factory, coins=100, website="https://shop.example/")
    order_id = _order(client, shop)
    auth.login(shop.username)
    response = _decide(client, order_id, "yes")
    assert response.status_code == 302 and response.location == "https://shop.example/"


def test_insufficient_coins_fails_and_moves_nothing(app: Flask, client: FlaskClient, factory,
                                                    auth) -> None:
    shop = make_shop(factory, coins=10)
    order_id = _order(client, shop, 60)
    auth.login(shop.username)
    response = _decide(client, order_id, "yes")
    assert response.status_code == 402
    assert "Insufficient coins" in response.get_data(as_text=True)
    assert coins(shop.user_id) == 10
    assert db.session.get(Order, order_id).status == "failed"
    assert db.session.query(OutboxMessage).count() == 0
    assert ledger.find(f"order:{order_id}:pay") is None
    assert run_checks() == []


def test_confirm_no_cancels(app: Flask, client: FlaskClient, factory, auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    auth.login(shop.username)
    response = _decide(client, order_id, "no")
    assert response.status_code == 200
    assert db.session.get(Order, order_id).status == "canceled"
    assert coins(shop.user_id) == 100


def test_other_users_cannot_see_or_pay(app: Flask, client: FlaskClient, factory, auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    intruder = factory.user()
    auth.login(intruder.username)
    assert client.get(f"/pay/orders/{order_id}/confirm").status_code == 404
    token = csrf_from(client.get("/account/wallet").get_data(as_text=True))
    response = client.post(f"/pay/orders/{order_id}/confirm",
                           data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 404
    assert coins(shop.user_id) == 100


def test_confirm_without_csrf_moves_nothing(app: Flask, client: FlaskClient, factory,
                                            auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    auth.login(shop.username)
    response = client.post(f"/pay/orders/{order_id}/confirm", data={"confirm": "yes"})
    assert response.status_code == 400
    assert coins(shop.user_id) == 100


def test_anonymous_is_sent_to_login(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    response = client.get(f"/pay/orders/{order_id}/confirm")
    assert response.status_code == 302 and "/login" in response.location


def test_app_refund_before_settlement(app: Flask, client: FlaskClient, factory, auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    auth.login(shop.username)
    _decide(client, order_id, "yes")
    response = client.post(f"{URL}/{order_id}/refund", headers=shop.headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "refunded"
    assert response.get_json()["refunded_at"] is not None
    assert coins(shop.user_id) == 100
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 0
    types = [m.event_type for m in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]
    assert types == ["order.paid", "order.refunded"]
    again = client.post(f"{URL}/{order_id}/refund", headers=shop.headers)
    assert again.status_code == 200 and coins(shop.user_id) == 100
    assert run_checks() == []


def test_refund_of_unpaid_order_is_409(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    response = client.post(f"{URL}/{order_id}/refund", headers=shop.headers)
    assert response.status_code == 409


def test_operator_refund_from_the_console(app: Flask, client: FlaskClient, factory,
                                          auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    auth.login(shop.username)
    _decide(client, order_id, "yes")
    auth.logout()
    factory.user("operator1", is_admin=True)
    auth.login("operator1")
    page = client.get("/admin/revenue/tiers")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = csrf_from(html)
    response = client.post("/admin/revenue/refunds",
                           data={"csrf_token": token, "refund-order_id": order_id})
    assert response.status_code == 302
    assert coins(shop.user_id) == 100
    assert db.session.get(Order, order_id).status == "refunded"

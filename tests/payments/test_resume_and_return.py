"""No dead ends when paying: Pay is disabled without enough coins and the page offers the exact
top-up; an order refused for lack of coins is paid after a top-up from its failure page; the
user goes back to the app's return_url; money is shown as money in the reader's locale."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from gateway.extensions import db
from gateway.ledger.check import run_checks
from gateway.outbox.models import OutboxMessage
from gateway.payments.models import Order
from tests.conftest import csrf_from
from tests.money_helpers import coins, make_shop

URL = "/api/v1/payments/orders"
RETURN = "https://shop.example/levels/3?tab=shop"


def _order(client: FlaskClient, shop, amount: int = 60, **extra) -> str:
    response = client.post(URL, json=shop.order_body(amount, **extra), headers=shop.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["order_id"]


def _href(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}" href="([^"]+)"', html)
    assert match, element_id
    return match.group(1).replace("&amp;", "&")


def test_pay_is_disabled_and_the_top_up_is_offered(app: Flask, client: FlaskClient, factory,
                                                   auth) -> None:
    shop = make_shop(factory, coins=10)
    order_id = _order(client, shop, 60)
    auth.login(shop.username)
    html = client.get(f"/pay/orders/{order_id}/confirm").get_data(as_text=True)
    assert 'id="pay-button" disabled' in html and "You need 50 more coins" in html
    top_up = _href(html, "top-up-link")
    assert top_up == f"/account/wallet?next=/pay/orders/{order_id}/confirm&coins=50"
    wallet = client.get(top_up).get_data(as_text=True)
    assert 'value="50"' in wallet and 'id="continue"' in wallet


def test_refused_order_is_paid_after_a_top_up_and_returns_to_the_app(
        app: Flask, client: FlaskClient, factory, auth) -> None:
    shop = make_shop(factory, coins=10, website="https://shop.example/")
    order_id = _order(client, shop, 60, return_url=RETURN)
    auth.login(shop.username)
    page = client.get(f"/pay/orders/{order_id}/confirm").get_data(as_text=True)
    refused = client.post(f"/pay/orders/{order_id}/confirm",
                          data={"csrf_token": csrf_from(page), "confirm": "yes"})
    failure = refused.get_data(as_text=True)
    assert refused.status_code == 402 and "Insufficient coins" in failure
    assert _href(failure, "back-to-app") == RETURN  # a way back to the app
    assert db.session.get(Order, order_id).status == "failed" and coins(shop.user_id) == 10

    top_up = _href(failure, "top-up-link")
    wallet = client.get(top_up).get_data(as_text=True)
    topped = client.post("/account/wallet/topup", data={
        "csrf_token": csrf_from(wallet), "coins": "50",
        "next": f"/pay/orders/{order_id}/confirm"})
    assert topped.status_code == 302
    assert topped.headers["Location"] == f"/pay/orders/{order_id}/confirm"  # back to the order
    resumed = client.get(topped.headers["Location"]).get_data(as_text=True)
    assert 'id="pay-button">' in resumed  # enabled now
    paid = client.post(f"/pay/orders/{order_id}/confirm",
                       data={"csrf_token": csrf_from(resumed), "confirm": "yes"})
    assert paid.status_code == 302 and paid.headers["Location"] == RETURN
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert order.status == "paid" and order.failure_reason == "" and coins(shop.user_id) == 0
    assert db.session.query(OutboxMessage).count() == 1  # one order.paid, not two
    assert run_checks() == []


def test_return_url_must_be_the_apps_own_site(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory, coins=100, website="https://shop.example/")
    for bad in ("https://evil.example/", "javascript:alert(1)", "https://shop.example.evil/x",
                7, "//shop.example/"):
        response = client.post(URL, json=shop.order_body(60, return_url=bad),
                               headers=shop.headers)
        assert response.status_code == 422, bad
        assert "return_url" in response.get_json()["fields"]
    assert db.session.query(Order).count() == 0
    created = client.post(URL, json=shop.order_body(60, return_url=RETURN), headers=shop.headers)
    assert created.get_json()["return_url"] == RETURN


def test_an_order_that_failed_otherwise_is_not_resumed(app: Flask, client: FlaskClient,
                                                       factory, auth) -> None:
    shop = make_shop(factory, coins=100)
    order_id = _order(client, shop)
    order = db.session.get(Order, order_id)
    order.status, order.failure_reason = "failed", "refused by the operator"
    db.session.commit()
    auth.login(shop.username)
    html = client.get(f"/pay/orders/{order_id}/confirm").get_data(as_text=True)
    assert 'id="pay-button"' not in html
    response = client.post(f"/pay/orders/{order_id}/confirm",
                           data={"csrf_token": csrf_from(html), "confirm": "yes"})
    assert response.status_code in (400, 409) and coins(shop.user_id) == 100


def test_money_is_shown_as_money_in_the_readers_locale(client: FlaskClient, factory,
                                                       auth) -> None:
    user = factory.user()
    auth.login(user.username)
    english = client.get("/account/wallet", headers={"Accept-Language": "en"})
    assert "One coin costs CN¥0.10." in english.get_data(as_text=True)
    chinese = client.get("/account/wallet", headers={"Accept-Language": "zh-CN"})
    assert "¥0.10" in chinese.get_data(as_text=True)
    assert "minor units" not in english.get_data(as_text=True)

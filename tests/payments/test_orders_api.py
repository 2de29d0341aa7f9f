"""POST/GET /api/v1/payments/orders: auth, validation, idempotency; bad input posts nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.apps.models import AppPermission
from gateway.extensions import db
from gateway.ledger.models import LedgerTransaction
from gateway.payments.models import Order
from tests.money_helpers import basic, make_shop

URL = "/api/v1/payments/orders"


def _nothing_posted(count_orders: int = 0) -> None:
    db.session.expire_all()
    assert db.session.query(Order).count() == count_orders
    assert db.session.query(LedgerTransaction).filter(
        LedgerTransaction.kind != "grant").count() == 0


def test_create_and_read_an_order(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    response = client.post(URL, json=shop.order_body(60), headers=shop.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending" and body["amount"] == 60
    assert body["order_id"].startswith("ord_") and body["openid"] == shop.openid
    assert body["confirm_url"] == f"http://localhost/pay/orders/{body['order_id']}/confirm"
    assert body["paid_at"] is None and body["notify_url"] is None
    read = client.get(f"{URL}/{body['order_id']}", headers=shop.headers)
    assert read.status_code == 200 and read.get_json() == body


def test_another_app_cannot_read_the_order(app: Flask, client: FlaskClient, factory) -> None:
    shop, other = make_shop(factory), make_shop(factory)
    order_id = client.post(URL, json=shop.order_body(), headers=shop.headers).get_json()[
        "order_id"]
    assert client.get(f"{URL}/{order_id}", headers=other.headers).status_code == 404


@pytest.mark.parametrize("change", [
    {"openid": None}, {"amount": None}, {"item_id": None}, {"item_name": None},
    {"amount": "60"}, {"amount": 1.5}, {"amount": True}, {"amount": 0}, {"amount": -5},
    {"amount": 10**12}, {"item_id": 7}, {"item_name": ""}, {"item_name": "x" * 129},
    {"notify_url": "ftp://x"}, {"notify_url": "http://evil.example/"}, {"notify_url": 3},
    {"surprise": 1},
])
def test_bad_fields_get_422_and_post_nothing(app: Flask, client: FlaskClient, factory,
                                             change: dict[str, Any]) -> None:
    shop = make_shop(factory)
    body = {k: v for k, v in {**shop.order_body(), **change}.items() if v is not None}
    response = client.post(URL, json=body, headers=shop.headers)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"
    assert response.get_json()["fields"]
    _nothing_posted()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "null", ""])
def test_non_object_bodies_get_422(app: Flask, client: FlaskClient, factory, raw: str) -> None:
    shop = make_shop(factory)
    response = client.post(URL, data=raw, content_type="application/json", headers=shop.headers)
    assert response.status_code == 422
    _nothing_posted()


def test_bad_basic_auth_is_401(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    for headers in ({}, basic(shop.app.appid or "", "wrong"), basic("999999999", shop.appkey),
                    basic("abc", "x"), {"Authorization": "Bearer abc"}):
        response = client.post(URL, json=shop.order_body(), headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"] == "invalid_client"
    _nothing_posted()


def test_unknown_and_foreign_openids_are_404(app: Flask, client: FlaskClient, factory) -> None:
    shop, other = make_shop(factory), make_shop(factory)
    for openid in ("0" * 32, other.openid):
        response = client.post(URL, json=shop.order_body(openid=openid), headers=shop.headers)
        assert response.status_code == 404
        assert response.get_json()["error"] == "unknown_openid"
    _nothing_posted()


def test_no_pay_scope_from_the_user_is_403(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory, consent=False)
    response = client.post(URL, json=shop.order_body(), headers=shop.headers)
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    _nothing_posted()


def test_app_without_pay_permission_is_403(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    db.session.query(AppPermission).filter_by(app_id=shop.app.id, scope="pay").update(
        {"status": "requested"})
    db.session.commit()
    response = client.post(URL, json=shop.order_body(), headers=shop.headers)
    assert response.status_code == 403
    assert response.get_json()["error"] == "permission_denied"
    _nothing_posted()


def test_app_not_live_only_for_test_users(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    shop.app.status = "draft"
    db.session.commit()
    response = client.post(URL, json=shop.order_body(), headers=shop.headers)
    assert response.status_code == 403
    assert response.get_json()["error"] == "app_not_live"
    _nothing_posted()


def test_idempotency_key_replays_and_conflicts(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    headers = {**shop.headers, "Idempotency-Key": "k-1"}
    first = client.post(URL, json=shop.order_body(60), headers=headers)
    again = client.post(URL, json=shop.order_body(60), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    conflict = client.post(URL, json=shop.order_body(61), headers=headers)
    assert conflict.status_code == 409
    assert conflict.get_json()["error"] == "idempotency_conflict"
    _nothing_posted(count_orders=1)
    # Keys are per app: another app may use the same key.
    other = make_shop(factory)
    response = client.post(URL, json=other.order_body(60),
                           headers={**other.headers, "Idempotency-Key": "k-1"})
    assert response.status_code == 201


def test_unknown_order_is_404(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    assert client.get(f"{URL}/ord_nope", headers=shop.headers).status_code == 404
    assert client.post(f"{URL}/ord_nope/refund", headers=shop.headers).status_code == 404

"""The same Idempotency-Key sent concurrently creates one order (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from gateway.extensions import db
from gateway.payments.models import Order
from tests.money_helpers import make_shop


@pytest.mark.postgres_only
def test_concurrent_replays_create_one_order(app: Flask, factory) -> None:
    shop = make_shop(factory)
    headers = {**shop.headers, "Idempotency-Key": "race-1"}
    body = shop.order_body(60)
    barrier = threading.Barrier(10)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/payments/orders", json=body, headers=headers)
        answers.append((response.status_code, response.get_json()["order_id"]))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in answers) == [200] * 9 + [201]
    assert len({order_id for _, order_id in answers}) == 1
    db.session.expire_all()
    assert db.session.query(Order).count() == 1

"""Real concurrency on PostgreSQL: 50 confirmations racing for one balance never overdraw."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.ledger.errors import InsufficientFunds
from gateway.payments import services
from gateway.payments.models import Order
from gateway.payments.schemas import parse_order
from tests.money_helpers import coins, make_shop


@pytest.mark.postgres_only
def test_fifty_concurrent_confirmations_never_overdraw(app: Flask, factory) -> None:
    shop = make_shop(factory, coins=1000)  # covers 16 orders of 60 coins, not 50
    order_ids = []
    for _ in range(50):
        order_ids.append(services.create_order(shop.app, shop.user_id,
                                               parse_order(shop.order_body(60))).id)
    db.session.commit()
    barrier = threading.Barrier(50)
    outcomes: list[str] = []

    def confirm(order_id: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.pay(order_id, shop.user_id)
                db.session.commit()
                outcomes.append("paid")
            except InsufficientFunds:
                db.session.rollback()
                services.fail(order_id, "insufficient coins")
                db.session.commit()
                outcomes.append("failed")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(o,)) for o in order_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("paid") == 16 and outcomes.count("failed") == 34
    assert coins(shop.user_id) == 1000 - 16 * 60
    assert db.session.query(Order).filter_by(status="paid").count() == 16
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 16 * 600
    assert run_checks() == []

"""Several workers at once on PostgreSQL: each message is leased to exactly one of them."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from gateway.extensions import db
from gateway.outbox import worker
from gateway.outbox.services import enqueue_webhook
from tests.money_helpers import make_shop


@pytest.mark.postgres_only
def test_concurrent_claims_never_share_a_message(app: Flask, factory) -> None:
    shop = make_shop(factory, endpoint=False)
    for n in range(40):
        enqueue_webhook(shop.app, "order.paid", {"n": n}, url="http://127.0.0.1:9/hook")
    db.session.commit()
    barrier = threading.Barrier(8)
    claimed: list[list[int]] = []

    def claim(owner: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                claimed.append(worker.claim(limit=10, owner=owner))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [i for batch in claimed for i in batch]
    assert len(ids) == len(set(ids)) == 40

"""A user's receivable (coins refunded after they were spent) is recovered from their next
top-ups: whole coins, once per top-up, through the real Stripe library and the fake."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.ledger.check import run_checks
from gateway.ledger.models import COIN_CURRENCY, LedgerTransaction
from gateway.wallet import services as wallet
from tests.fakes.stripe_fake import FakeStripeServer
from tests.money_helpers import coins, make_shop, pay_order
from tests.revenue.test_stripe_events import bal, refund, topup


@pytest.fixture
def app_config(stripe_config: dict[str, Any]) -> dict[str, Any]:
    return stripe_config


def _owing(factory: Any, fake: FakeStripeServer, spent: int) -> Any:
    """A user who bought 50 coins, spent `spent`, and was refunded the whole top-up."""
    shop = make_shop(factory)
    charge = topup(fake, shop.user_id, 50)
    pay_order(shop, spent)
    refund(fake, charge["id"])
    assert bal("user", shop.user_id, "receivable") == spent * 10
    return shop


def test_next_topup_pays_the_receivable_first(app: Flask, factory,
                                              stripe_fake: FakeStripeServer) -> None:
    shop = _owing(factory, stripe_fake, 40)
    topup(stripe_fake, shop.user_id, 100)
    assert coins(shop.user_id) == 60  # 100 bought, 40 owed
    assert bal("user", shop.user_id, "receivable") == 0
    [recovery] = db.session.scalars(select(LedgerTransaction).where(
        LedgerTransaction.kind == "receivable.recovery")).all()
    assert recovery.details["coins"] == 40 and recovery.details["money"] == 400
    assert bal("platform", 0, "clearing", COIN_CURRENCY) == 60  # the 40 left circulation
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "coins.recovered"))
    assert run_checks() == []


def test_a_small_topup_recovers_part_and_the_next_the_rest(
        app: Flask, factory, stripe_fake: FakeStripeServer) -> None:
    shop = _owing(factory, stripe_fake, 40)
    topup(stripe_fake, shop.user_id, 25)
    assert coins(shop.user_id) == 0 and bal("user", shop.user_id, "receivable") == 150
    topup(stripe_fake, shop.user_id, 25)
    assert coins(shop.user_id) == 10 and bal("user", shop.user_id, "receivable") == 0
    assert run_checks() == []


def test_a_replayed_topup_recovers_once(app: Flask, factory,
                                        stripe_fake: FakeStripeServer) -> None:
    from gateway.ledger import services as ledger

    shop = _owing(factory, stripe_fake, 40)
    topup(stripe_fake, shop.user_id, 100)
    owed = ledger.account("user", shop.user_id, "receivable")  # a new debt after the top-up
    ledger.post("owed-again", "test", [(owed, -200), (ledger.platform("revenue"), 200)])
    db.session.commit()
    [event] = stripe_fake.state.events("payment_intent.succeeded")[-1:]
    stripe_fake.control(f"events/{event['id']}/resend")
    assert stripe_fake.flush_events()
    [details] = db.session.scalars(select(LedgerTransaction.details).where(
        LedgerTransaction.kind == "receivable.recovery")).all()
    wallet.credit_topup(shop.user_id, 100, details["reference"])  # the same top-up again
    db.session.commit()
    assert coins(shop.user_id) == 60 and bal("user", shop.user_id, "receivable") == 200
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "coins.recovered")).all()) == 1
    assert run_checks() == []


def test_nothing_owed_changes_nothing(app: Flask, factory,
                                      stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    topup(stripe_fake, shop.user_id, 30)
    assert coins(shop.user_id) == 30
    assert db.session.scalar(select(LedgerTransaction.id).where(
        LedgerTransaction.kind == "receivable.recovery")) is None


def test_less_than_a_coin_stays_owed(app: Flask, factory) -> None:
    from gateway.ledger import services as ledger

    user = factory.user()
    owed = ledger.account("user", user.id, "receivable")
    ledger.post("owed-15", "test", [(owed, -15), (ledger.platform("revenue"), 15)])
    wallet.credit_topup(user.id, 10, "sandbox_fraction")
    db.session.commit()
    assert coins(user.id) == 9 and bal("user", user.id, "receivable") == 5

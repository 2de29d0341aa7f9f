"""Stripe events with a ledger effect, driven through the real library and the fake: refunds and
disputes of top-ups, transfer reversals, platform bank payouts, funds becoming available."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.ledger.errors import InsufficientFunds
from gateway.ledger.models import COIN_CURRENCY, LedgerAccount, LedgerTransaction
from gateway.payments import services as payments
from gateway.revenue.models import Payout, StripeEvent
from gateway.revenue.payouts import run_payouts
from gateway.revenue.stripe_client import client as stripe_client
from gateway.revenue.stripe_payments import create_topup_session
from tests.fakes.stripe_fake import FakeStripeServer
from tests.money_helpers import coins, make_shop, pay_order
from tests.revenue.test_stripe import _available, _deliver, _event, _onboard


@pytest.fixture
def app_config(stripe_config: dict[str, Any]) -> dict[str, Any]:
    return stripe_config


def bal(owner: str, owner_id: int, kind: str, currency: str | None = None) -> int:
    """A balance, read without creating the account (no write lock left open on SQLite)."""
    db.session.expire_all()
    found = db.session.scalar(select(LedgerAccount.balance).where(
        LedgerAccount.owner_type == owner, LedgerAccount.owner_id == owner_id,
        LedgerAccount.kind == kind, LedgerAccount.currency == (currency or "CNY")))
    return int(found or 0)


def platform(kind: str) -> int:
    return bal("platform", 0, kind)


def topup(fake: FakeStripeServer, user_id: int, amount: int) -> dict[str, Any]:
    """Buy `amount` coins through a Checkout Session; returns the charge."""
    session_id, _ = create_topup_session(user_id, amount, "http://x/ok", "http://x/no")
    db.session.commit()
    fake.control(f"checkout/sessions/{session_id}/complete")
    assert fake.flush_events()
    [session] = [s for s in fake.state.all("checkout.session") if s["id"] == session_id]
    [charge] = [c for c in fake.state.all("charge")
                if c["payment_intent"] == session["payment_intent"]]
    return charge


def refund(fake: FakeStripeServer, charge_id: str, amount: int | None = None) -> None:
    params: dict[str, Any] = {"charge": charge_id}
    if amount is not None:
        params["amount"] = amount
    stripe_client().v1.refunds.create(params=params)  # type: ignore[arg-type]
    assert fake.flush_events()


def events(kind: str) -> int:
    db.session.expire_all()
    return db.session.query(StripeEvent).filter_by(event_type=kind).count()


def test_balance_available_moves_pending_money(app: Flask, factory,
                                               stripe_fake: FakeStripeServer) -> None:
    user = factory.user()
    topup(stripe_fake, user.id, 50)
    assert (platform("stripe_pending"), platform("stripe_available")) == (500, 0)
    stripe_fake.control("balance/settle")
    assert stripe_fake.flush_events() and events("balance.available") == 1
    assert (platform("stripe_pending"), platform("stripe_available")) == (0, 500)
    [event] = stripe_fake.state.events("balance.available")
    stripe_fake.control(f"events/{event['id']}/resend")
    assert stripe_fake.flush_events()
    assert (platform("stripe_pending"), platform("stripe_available")) == (0, 500)
    assert run_checks() == []


def test_refund_of_unspent_coins_takes_them_back_once(app: Flask, factory,
                                                      stripe_fake: FakeStripeServer) -> None:
    user = factory.user()
    charge = topup(stripe_fake, user.id, 50)
    stripe_fake.control("balance/settle")
    refund(stripe_fake, charge["id"], 200)
    assert coins(user.id) == 30
    assert (platform("stripe_available"), platform("stripe_pending")) == (300, 0)
    [event] = stripe_fake.state.events("charge.refunded")
    stripe_fake.control(f"events/{event['id']}/resend")
    assert stripe_fake.flush_events()
    assert coins(user.id) == 30
    refund(stripe_fake, charge["id"])  # the rest
    assert coins(user.id) == 0 and platform("stripe_available") == 0
    assert bal("user", user.id, "receivable") == 0
    assert bal("platform", 0, "clearing", COIN_CURRENCY) == 0
    assert run_checks() == []


def test_refund_of_spent_coins_becomes_the_users_receivable(
        app: Flask, factory, stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    charge = topup(stripe_fake, shop.user_id, 50)
    pay_order(shop, 40)
    refund(stripe_fake, charge["id"])
    assert coins(shop.user_id) == 0
    assert bal("user", shop.user_id, "receivable") == 400  # 40 coins spent, never below zero
    assert platform("stripe_pending") == 0
    assert bal("developer", shop.developer_id, "unsettled") == 400  # the sale itself stands
    assert run_checks() == []


def test_lost_dispute_books_the_spent_part_as_a_loss(
        app: Flask, factory, stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    charge = topup(stripe_fake, shop.user_id, 50)
    pay_order(shop, 20)
    dispute = stripe_fake.control(f"charges/{charge['id']}/dispute")
    assert stripe_fake.flush_events()
    assert platform("disputes") == 500 and platform("stripe_pending") == 0
    assert coins(shop.user_id) == 0
    assert bal("user", shop.user_id, "frozen", COIN_CURRENCY) == 30
    assert run_checks() == []
    stripe_fake.control(f"disputes/{dispute['id']}/close", status="lost")
    assert stripe_fake.flush_events()
    assert platform("disputes") == 0 and platform("losses") == 200
    assert bal("user", shop.user_id, "frozen", COIN_CURRENCY) == 0 and coins(shop.user_id) == 0
    assert bal("platform", 0, "clearing", COIN_CURRENCY) == 0
    assert run_checks() == []


def test_won_dispute_releases_money_and_coins(
        app: Flask, factory, stripe_fake: FakeStripeServer) -> None:
    user = factory.user()
    charge = topup(stripe_fake, user.id, 50)
    dispute = stripe_fake.control(f"charges/{charge['id']}/dispute")
    assert stripe_fake.flush_events()
    assert coins(user.id) == 0 and platform("disputes") == 500
    stripe_fake.control(f"disputes/{dispute['id']}/close", status="won")
    assert stripe_fake.flush_events()
    assert coins(user.id) == 50 and platform("disputes") == 0
    assert platform("stripe_available") == 500 and platform("losses") == 0
    assert events("charge.dispute.closed") == 1
    assert run_checks() == []


def _paid_payout(client: FlaskClient, auth, shop, fake: FakeStripeServer) -> tuple[Payout, str]:
    _onboard(client, auth, shop, fake)
    order_id = _available(shop, 500)
    fake.control("balance/add", amount=100_000, currency="cny")
    run_payouts()
    db.session.expire_all()
    payout = db.session.query(Payout).one()
    assert payout.status == "paid" and payout.stripe_transfer_id
    return payout, order_id


def test_transfer_reversal_returns_money_to_the_developer(
        app: Flask, client: FlaskClient, factory, auth, stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    payout, _ = _paid_payout(client, auth, shop, stripe_fake)
    transfer_id = str(payout.stripe_transfer_id)
    stripe_client().v1.transfers.reversals.create(transfer_id, params={"amount": 2000})
    assert stripe_fake.flush_events()
    assert bal("developer", shop.developer_id, "available") == 2000
    assert bal("developer", shop.developer_id, "paid_out") == 3000
    assert db.session.get(Payout, payout.id).status == "paid"
    assert run_checks() == []
    stripe_client().v1.transfers.reversals.create(transfer_id)
    assert stripe_fake.flush_events()
    assert bal("developer", shop.developer_id, "available") == 5000
    assert bal("developer", shop.developer_id, "paid_out") == 0
    payout = db.session.get(Payout, payout.id)
    assert payout.status == "reversed"
    reversals = db.session.query(LedgerTransaction).filter_by(kind="transfer.reversal").all()
    assert len(reversals) == 2
    assert {t.reverses_id for t in reversals} == {payout.ledger_transaction_id}
    assert run_checks() == []


def test_transfer_reversal_offsets_a_receivable_first(
        app: Flask, client: FlaskClient, factory, auth, stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    payout, order_id = _paid_payout(client, auth, shop, stripe_fake)
    payments.refund(order_id)
    db.session.commit()
    assert bal("developer", shop.developer_id, "receivable") == 5000
    stripe_client().v1.transfers.reversals.create(str(payout.stripe_transfer_id),
                                                  params={"amount": 3000})
    assert stripe_fake.flush_events()
    assert bal("developer", shop.developer_id, "receivable") == 2000
    assert bal("developer", shop.developer_id, "available") == 0
    assert run_checks() == []


def test_platform_bank_payouts(app: Flask, factory, stripe_fake: FakeStripeServer) -> None:
    user = factory.user()
    topup(stripe_fake, user.id, 50)
    stripe_fake.control("balance/settle")
    assert stripe_fake.flush_events()
    paid = stripe_client().v1.payouts.create(params={"amount": 300, "currency": "cny"})
    stripe_fake.control(f"payouts/{paid.id}/paid")
    failed = stripe_client().v1.payouts.create(params={"amount": 100, "currency": "cny"})
    stripe_fake.control(f"payouts/{failed.id}/failed")
    assert stripe_fake.flush_events()
    assert (platform("bank"), platform("stripe_available")) == (300, 200)
    assert events("payout.paid") == 1 and events("payout.failed") == 1
    assert run_checks() == []


def test_ledger_check_reports_a_disputes_holding_without_a_dispute(app: Flask) -> None:
    ledger.post("rogue", "test", [(ledger.platform("revenue"), 100),
                                  (ledger.platform("disputes"), -100)])
    db.session.commit()
    assert run_checks() == [
        "the disputes holding is 100 but open disputes add up to 0"]


def test_a_refund_the_ledger_cannot_cover_changes_nothing(app: Flask, factory) -> None:
    from gateway.revenue.stripe_events import charge_refunded
    from gateway.wallet.services import credit_topup

    user = factory.user()
    credit_topup(user.id, 50, "pi_gone")
    ledger.post("spent-elsewhere", "test", [(ledger.platform("stripe_pending"), 500),
                                            (ledger.platform("fees"), -500)])
    db.session.commit()
    with pytest.raises(InsufficientFunds):
        charge_refunded({"id": "ch_gone", "payment_intent": "pi_gone", "amount_refunded": 500})
    db.session.rollback()
    assert coins(user.id) == 50


def test_refund_that_overtakes_the_topup_event(app: Flask, client: FlaskClient, factory) -> None:
    user = factory.user()
    meta = {"zc_purpose": "topup", "zc_user_id": str(user.id), "zc_coins": "50"}
    refunded = _event("charge.refunded", {"id": "ch_early", "payment_intent": "pi_early",
                                          "amount_refunded": 500, "metadata": meta}, "evt_r")
    assert _deliver(client, refunded).status_code == 200
    assert coins(user.id) == 0 and platform("stripe_pending") == 0
    succeeded = _event("payment_intent.succeeded", {"id": "pi_early", "metadata": meta}, "evt_s")
    assert _deliver(client, succeeded).status_code == 200
    assert coins(user.id) == 0  # credited once, by the refund, and taken back
    assert events("charge.refunded") == 1 and events("payment_intent.succeeded") == 1
    assert run_checks() == []


def test_dispute_closing_that_overtakes_its_opening(app: Flask, client: FlaskClient,
                                                    factory) -> None:
    from gateway.wallet.services import credit_topup

    user = factory.user()
    credit_topup(user.id, 50, "pi_d")
    db.session.commit()
    dispute = {"id": "dp_early", "object": "dispute", "amount": 500, "charge": "ch_d",
               "payment_intent": "pi_d", "status": "lost"}
    assert _deliver(client, _event("charge.dispute.closed", dispute, "evt_c")).status_code == 200
    assert platform("disputes") == 0 and platform("losses") == 0 and coins(user.id) == 0
    opened = _event("charge.dispute.created", {**dispute, "status": "needs_response"}, "evt_o")
    assert _deliver(client, opened).status_code == 200
    assert platform("disputes") == 0 and coins(user.id) == 0
    assert bal("user", user.id, "frozen", COIN_CURRENCY) == 0
    assert run_checks() == []


def test_malformed_dispute_event_is_422_and_changes_nothing(app: Flask, client: FlaskClient,
                                                            factory) -> None:
    from gateway.wallet.services import credit_topup

    user = factory.user()
    credit_topup(user.id, 50, "pi_m")
    db.session.commit()
    bad = _event("charge.dispute.created", {"id": "dp_m", "payment_intent": "pi_m",
                                             "amount": "lots"}, "evt_m")
    response = _deliver(client, bad)
    assert response.status_code == 422 and response.get_json()["error"] == "unprocessable_event"
    assert coins(user.id) == 50 and platform("disputes") == 0
    assert events("charge.dispute.created") == 0

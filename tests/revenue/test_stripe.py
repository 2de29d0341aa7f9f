"""Stripe, through the real `stripe` library against the project's fake on loopback:
webhooks verified and applied once, top-ups, onboarding, payouts, receivables."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.payments import services as payments
from gateway.revenue.models import ConnectedAccount, Payout, StripeEvent
from gateway.revenue.payouts import run_payouts
from gateway.revenue.settlement import release_due, settle_month
from gateway.timeutil import utcnow
from tests.conftest import csrf_from
from tests.fakes.stripe_fake import FakeStripeServer, sign_payload
from tests.money_helpers import coins, make_shop, pay_order
from tests.revenue.conftest import SECRET


@pytest.fixture
def app_config(stripe_config: dict[str, Any]) -> dict[str, Any]:
    return stripe_config


def _event(event_type: str, obj: dict[str, Any], event_id: str = "evt_1") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": event_type,
                       "api_version": "2026-10-28.endive", "created": int(time.time()),
                       "data": {"object": obj}}).encode()


def _deliver(client: FlaskClient, payload: bytes, timestamp: int | None = None,
             secret: str = SECRET):
    header = sign_payload(payload, secret, timestamp or int(time.time()))
    return client.post("/webhooks/stripe", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": header})


def _topup_event(user_id: int, coins_: int, intent: str = "pi_1") -> bytes:
    return _event("payment_intent.succeeded", {
        "id": intent, "object": "payment_intent", "amount": coins_ * 10, "currency": "cny",
        "status": "succeeded", "metadata": {"zc_purpose": "topup", "zc_user_id": str(user_id),
                                            "zc_coins": str(coins_)}})


def test_signed_payment_intent_succeeded_credits_once(app: Flask, client: FlaskClient,
                                                      factory) -> None:
    user = factory.user()
    payload = _topup_event(user.id, 30)
    assert _deliver(client, payload).status_code == 200
    again = _deliver(client, payload)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert coins(user.id) == 30
    assert ledger.balance(ledger.platform("stripe_pending")) == 300
    assert db.session.query(StripeEvent).count() == 1


@pytest.mark.parametrize("how", ["bad_secret", "stale", "no_header", "tampered"])
def test_unverified_events_are_refused(app: Flask, client: FlaskClient, factory,
                                       how: str) -> None:
    user = factory.user()
    payload = _topup_event(user.id, 30)
    if how == "bad_secret":
        response = _deliver(client, payload, secret="whsec_other")
    elif how == "stale":
        response = _deliver(client, payload, timestamp=int(time.time()) - 301)
    elif how == "no_header":
        response = client.post("/webhooks/stripe", data=payload,
                               content_type="application/json")
    else:
        header = sign_payload(payload, SECRET, int(time.time()))
        response = client.post("/webhooks/stripe", data=payload.replace(b"30", b"99"),
                               content_type="application/json",
                               headers={"Stripe-Signature": header})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_signature"
    assert coins(user.id) == 0 and db.session.query(StripeEvent).count() == 0


def test_malformed_signed_event_is_422(app: Flask, client: FlaskClient, factory) -> None:
    payload = _event("payment_intent.succeeded", {"id": "pi_x", "metadata": {
        "zc_purpose": "topup", "zc_user_id": "abc", "zc_coins": "1"}})
    assert _deliver(client, payload).status_code == 422
    assert db.session.query(StripeEvent).count() == 0


@pytest.mark.postgres_only
def test_twenty_concurrent_deliveries_credit_once(app: Flask, factory) -> None:
    user = factory.user()
    payload = _topup_event(user.id, 30, intent="pi_concurrent")
    header = sign_payload(payload, SECRET, int(time.time()))
    barrier = threading.Barrier(20)
    codes: list[int] = []

    def deliver() -> None:
        c = app.test_client()  # each request runs in its own app context and session
        barrier.wait()
        codes.append(c.post("/webhooks/stripe", data=payload, headers={
            "Stripe-Signature": header, "Content-Type": "application/json"}).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 20
    assert coins(user.id) == 30
    assert db.session.query(StripeEvent).count() == 1
    assert run_checks() == []


def test_stripe_topup_credits_only_on_the_webhook(app: Flask, client: FlaskClient, factory,
                                                  auth, stripe_fake: FakeStripeServer) -> None:
    app.config["ZC_PAYMENT_PROVIDER"] = "stripe"
    user = factory.user()
    auth.login(user.username)
    page = client.get("/account/wallet").get_data(as_text=True)
    assert "Sandbox" not in page
    response = client.post("/account/wallet/topup", data={"csrf_token": csrf_from(page),
                                                          "coins": "12"})
    [session] = stripe_fake.state.all("checkout.session")
    assert response.status_code == 302 and response.location == session["url"]
    assert session["amount_total"] == 120 and session["currency"] == "cny"
    assert session["success_url"] == "http://localhost/account/wallet"
    assert coins(user.id) == 0  # nothing until Stripe says the payment succeeded
    stripe_fake.control(f"checkout/sessions/{session['id']}/complete")
    assert stripe_fake.flush_events()
    assert coins(user.id) == 12
    [event] = stripe_fake.state.events("payment_intent.succeeded")
    stripe_fake.control(f"events/{event['id']}/resend")
    assert stripe_fake.flush_events()
    assert coins(user.id) == 12
    assert run_checks() == []


def _developer_name(shop) -> str:
    from gateway.accounts.models import User

    user = db.session.get(User, shop.developer_id)
    assert user is not None
    return user.username


def _onboard(client: FlaskClient, auth, shop, stripe_fake: FakeStripeServer) -> str:
    auth.login(_developer_name(shop))
    page = client.get("/developer/revenue/payouts").get_data(as_text=True)
    assert "Connect with Stripe" in page
    response = client.post("/developer/revenue/payouts", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.location.startswith(stripe_fake.url)
    db.session.expire_all()
    account_id = db.session.query(ConnectedAccount).one().stripe_account_id
    stripe_fake.control(f"accounts/{account_id}/complete_onboarding")
    assert stripe_fake.flush_events()
    return account_id


def _available(shop, amount: int) -> str:
    from gateway.payments.models import Order
    from gateway.wallet.services import grant

    grant(shop.user_id, amount)
    order_id = pay_order(shop, amount)
    db.session.get(Order, order_id).paid_at = datetime(2026, 3, 2)
    db.session.commit()
    settle_month("2026-03")
    release_due(utcnow() + timedelta(days=31))
    db.session.commit()
    return order_id


def test_onboarding_records_payouts_enabled(app: Flask, client: FlaskClient, factory, auth,
                                            stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    _onboard(client, auth, shop, stripe_fake)
    db.session.expire_all()
    assert db.session.query(ConnectedAccount).one().payouts_enabled is True
    assert "enabled" in client.get("/developer/revenue/payouts").get_data(as_text=True)


def test_payout_transfers_available_balance(app: Flask, client: FlaskClient, factory, auth,
                                            stripe_fake: FakeStripeServer, runner) -> None:
    shop = make_shop(factory)
    account_id = _onboard(client, auth, shop, stripe_fake)
    _available(shop, 500)  # 5000 fen, all the developer's under the first band
    stripe_fake.control("balance/add", amount=100_000, currency="cny")
    result = runner.invoke(args=["payouts", "run"])
    assert result.exit_code == 0, result.output
    [transfer] = stripe_fake.state.all("transfer")
    assert (transfer["amount"], transfer["destination"]) == (5000, account_id)
    db.session.expire_all()
    payout = db.session.query(Payout).one()
    assert payout.status == "paid" and payout.stripe_transfer_id == transfer["id"]
    assert ledger.balance(ledger.developer(shop.developer_id, "available")) == 0
    assert ledger.balance(ledger.developer(shop.developer_id, "paid_out")) == 5000
    assert runner.invoke(args=["payouts", "run"]).exit_code == 0
    assert len(stripe_fake.state.all("transfer")) == 1
    assert run_checks() == []
    _assert_payout_event(shop, "payout.sent", payout, status="paid")


def test_payout_retried_after_a_timeout_transfers_once(
        app: Flask, client: FlaskClient, factory, auth, stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    _onboard(client, auth, shop, stripe_fake)
    _available(shop, 500)
    stripe_fake.control("balance/add", amount=100_000, currency="cny")
    # Every try of this run loses its answer after Stripe did the work.
    stripe_fake.fail_next("/v1/transfers", mode="drop_after", times=3)
    run_payouts()
    db.session.expire_all()
    assert db.session.query(Payout).one().status == "pending"
    run_payouts()  # the next run resumes the pending payout with the same idempotency key
    db.session.expire_all()
    assert len(stripe_fake.state.all("transfer")) == 1
    assert db.session.query(Payout).one().status == "paid"
    assert run_checks() == []


def test_refund_after_payout_leaves_a_receivable(
        app: Flask, client: FlaskClient, factory, auth, stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    _onboard(client, auth, shop, stripe_fake)
    order_id = _available(shop, 500)
    stripe_fake.control("balance/add", amount=100_000, currency="cny")
    run_payouts()
    payments.refund(order_id)
    db.session.commit()
    assert coins(shop.user_id) == 500
    assert ledger.balance(ledger.developer(shop.developer_id, "receivable")) == 5000
    assert run_checks() == []



def test_receivable_is_recovered_before_the_next_payout(
        app: Flask, client: FlaskClient, factory, auth, stripe_fake: FakeStripeServer) -> None:
    from gateway.revenue.payouts import recover_receivable

    shop = make_shop(factory)
    _onboard(client, auth, shop, stripe_fake)
    order_id = _available(shop, 500)
    stripe_fake.control("balance/add", amount=100_000, currency="cny")
    run_payouts()
    payments.refund(order_id)
    db.session.commit()
    developer = shop.developer_id
    ledger.post("earned-later", "test", [(ledger.platform("fees"), -3000),
                                         (ledger.developer(developer, "available"), 3000)])
    recover_receivable(developer)
    db.session.commit()
    assert ledger.balance(ledger.developer(developer, "receivable")) == 2000
    assert ledger.balance(ledger.developer(developer, "available")) == 0


def test_refused_transfer_voids_the_payout(
        app: Flask, client: FlaskClient, factory, auth, stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    _onboard(client, auth, shop, stripe_fake)
    _available(shop, 500)  # but the platform's Stripe balance is empty: Stripe refuses
    run_payouts()
    db.session.expire_all()
    payout = db.session.query(Payout).one()
    assert payout.status == "failed" and payout.error
    assert ledger.balance(ledger.developer(shop.developer_id, "available")) == 5000
    assert run_checks() == []
    _assert_payout_event(shop, "payout.failed", payout, status="failed")


def _assert_payout_event(shop: Any, event_type: str, payout: Payout, *, status: str) -> None:
    """The payout's event was written with it, to the developer's app and its endpoint, and
    matches the catalogue's schema."""
    import jsonschema

    from gateway.outbox.catalogue import envelope
    from gateway.outbox.models import OutboxMessage, WebhookEvent

    [event] = db.session.query(WebhookEvent).filter_by(event_type=event_type).all()
    body = json.loads(event.body)
    jsonschema.validate(body, envelope(event_type))
    assert event.app_id == shop.app.id
    assert body["data"]["payout_id"] == payout.id and body["data"]["status"] == status
    assert body["data"]["amount"] == payout.amount == 5000
    assert db.session.query(OutboxMessage).filter_by(event_id=event.event_id).count() == 1

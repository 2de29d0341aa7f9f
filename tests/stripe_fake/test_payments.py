"""PaymentIntents, charges, Checkout Sessions and the signed events they emit."""

from __future__ import annotations

import pytest
import requests
import stripe

from tests.fakes.stripe_fake import FakeStripeServer
from tests.stripe_fake.conftest import WEBHOOK_SECRET, WebhookSink


def _intent(client: stripe.StripeClient, amount: int = 1000,
            **extra: object) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(params={
        "amount": amount, "currency": "CNY", "metadata": {"user": "u1", "coins": "100"},
        "automatic_payment_methods": {"enabled": True}, **extra})  # type: ignore[typeddict-item]


def test_create_payment_intent(client: stripe.StripeClient) -> None:
    """A new intent waits for a payment method; the currency comes back lowercased."""
    intent = _intent(client)

    assert intent.id.startswith("pi_") and intent.object == "payment_intent"
    assert intent.status == "requires_payment_method"
    assert (intent.amount, intent.currency, intent.livemode) == (1000, "cny", False)
    assert intent.metadata.to_dict() == {"user": "u1", "coins": "100"}
    assert intent.automatic_payment_methods.enabled is True
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert isinstance(intent.created, int)


def test_confirm_succeeds_and_signs_the_webhook(client: stripe.StripeClient,
                                                sink: WebhookSink) -> None:
    """Confirming with `pm_card_visa` charges once and posts a verifiable signed event."""
    intent = _intent(client)

    paid = client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})

    assert paid.status == "succeeded" and paid.amount_received == 1000
    charge = client.v1.charges.retrieve(paid.latest_charge)
    assert (charge.status, charge.paid, charge.amount, charge.payment_intent) == (
        "succeeded", True, 1000, intent.id)
    assert charge.metadata.to_dict() == {"user": "u1", "coins": "100"}
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction)
    assert (txn.type, txn.amount, txn.net, txn.status) == ("charge", 1000, 1000, "pending")
    assert sink.types() == ["payment_intent.created", "charge.succeeded",
                            "payment_intent.succeeded"]
    received = sink.received[-1]
    event = stripe.Webhook.construct_event(received.body, received.signature, WEBHOOK_SECRET)
    assert event.id.startswith("evt_") and event.object == "event"
    assert event.livemode is False and event.api_version
    assert event.data.object.id == intent.id and event.data.object.status == "succeeded"
    assert client.v1.events.retrieve(event.id).type == "payment_intent.succeeded"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(received.body, received.signature, "whsec_other")


def test_create_with_confirm_true(client: stripe.StripeClient) -> None:
    """`confirm=true` with a payment method succeeds in one call."""
    intent = _intent(client, confirm=True, payment_method="pm_card_mastercard")

    assert intent.status == "succeeded"
    assert client.v1.payment_methods.retrieve(intent.payment_method).card.brand == "mastercard"


def test_declined_card_is_a_402_card_error(client: stripe.StripeClient,
                                           sink: WebhookSink) -> None:
    """A decline raises `CardError`; the intent goes back to requiring a payment method."""
    intent = _intent(client)

    with pytest.raises(stripe.CardError) as info:
        client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_chargeDeclined"})

    error = info.value
    assert error.http_status == 402
    assert (error.code, error.error.decline_code) == ("card_declined", "generic_decline")
    assert error.json_body["error"]["payment_intent"]["id"] == intent.id
    after = client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == "card_declined"
    assert client.v1.charges.retrieve(after.latest_charge).status == "failed"
    assert sink.types()[-2:] == ["charge.failed", "payment_intent.payment_failed"]
    assert client.v1.balance.retrieve().pending[0].amount == 0


def test_confirm_without_payment_method_is_refused(client: stripe.StripeClient) -> None:
    """Stripe refuses to confirm an intent that has no payment method."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payment_intents.confirm(_intent(client).id)

    assert info.value.code == "payment_intent_unexpected_state"


def test_cancel_then_cannot_confirm(client: stripe.StripeClient) -> None:
    """A canceled intent stays canceled."""
    intent = _intent(client)

    canceled = client.v1.payment_intents.cancel(
        intent.id, params={"cancellation_reason": "abandoned"})

    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})


def test_succeed_control_and_settle(client: stripe.StripeClient, fake: FakeStripeServer,
                                    sink: WebhookSink) -> None:
    """The test control succeeds an intent; settling makes its funds available."""
    intent = _intent(client, amount=2500)

    fake.control(f"payment_intents/{intent.id}/succeed")
    before = client.v1.balance.retrieve()
    fake.control("balance/settle")
    after = client.v1.balance.retrieve()

    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    assert (before.pending[0].amount, before.available[0].amount) == (2500, 0)
    assert (after.pending[0].amount, after.available[0].amount) == (0, 2500)
    assert sink.types()[-1] == "balance.available"


def test_fees_are_deducted_when_configured() -> None:
    """With a fee schedule, the balance transaction carries the fee and the net."""
    with FakeStripeServer(fee_percent=2.9, fee_fixed=30) as server, requests.Session() as s:
        client = stripe.StripeClient("sk_test_fee", base_addresses={"api": server.url},
                                     http_client=stripe.RequestsClient(session=s))
        intent = _intent(client, confirm=True, payment_method="pm_card_bypassPending")
        charge = client.v1.charges.retrieve(intent.latest_charge,
                                            params={"expand": ["balance_transaction"]})
        txn = charge.balance_transaction

        assert (txn.amount, txn.fee, txn.net, txn.status) == (1000, 59, 941, "available")
        assert client.v1.balance.retrieve().available[0].amount == 941


def test_checkout_session_paid_on_the_hosted_page(client: stripe.StripeClient,
                                                  fake: FakeStripeServer,
                                                  sink: WebhookSink) -> None:
    """Pay completes the session, creates a succeeded intent and redirects to success_url."""
    session = client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://shop.test/ok?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/cancel", "client_reference_id": "user-7",
        "payment_intent_data": {"metadata": {"topup": "t1"}},
        "line_items": [{"quantity": 2, "price_data": {
            "currency": "cny", "unit_amount": 500, "product_data": {"name": "100 coins"}}}]})

    assert session.id.startswith("cs_test_") and session.status == "open"
    assert (session.amount_total, session.payment_status) == (1000, "unpaid")
    with requests.Session() as browser:
        assert "100 coins" in browser.get(session.url).text
        paid = browser.post(f"{session.url}/pay", allow_redirects=False)

    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://shop.test/ok?session={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.line_items.data[0].quantity == 2
    intent = client.v1.payment_intents.retrieve(done.payment_intent)
    assert (intent.status, intent.amount) == ("succeeded", 1000)
    assert intent.metadata.to_dict() == {"topup": "t1"}
    assert {"payment_intent.succeeded", "checkout.session.completed"} <= set(sink.types())


def test_checkout_rejects_unknown_price(client: stripe.StripeClient) -> None:
    """Only `price_data` line items exist in the fake; a price id is `resource_missing`."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.create(params={
            "mode": "payment", "success_url": "http://x/ok",
            "line_items": [{"price": "price_123", "quantity": 1}]})

    assert info.value.code == "resource_missing"

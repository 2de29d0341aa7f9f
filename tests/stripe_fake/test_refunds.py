"""Refunds (full, partial, over-refund) and disputes."""

from __future__ import annotations

import pytest
import stripe

from tests.fakes.stripe_fake import FakeStripeServer
from tests.stripe_fake.conftest import WebhookSink


@pytest.fixture
def paid(client: stripe.StripeClient) -> stripe.PaymentIntent:
    """A succeeded 1000-minor-unit intent whose funds are available."""
    return client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "cny", "confirm": True,
        "payment_method": "pm_card_bypassPending"})


def test_full_refund_by_payment_intent(client: stripe.StripeClient, paid: stripe.PaymentIntent,
                                       sink: WebhookSink) -> None:
    """Refunding without an amount refunds the rest and marks the charge refunded."""
    refund = client.v1.refunds.create(params={"payment_intent": paid.id,
                                              "metadata": {"order": "o1"}})

    assert refund.id.startswith("re_") and refund.status == "succeeded"
    assert (refund.amount, refund.charge, refund.payment_intent) == (
        1000, paid.latest_charge, paid.id)
    charge = client.v1.charges.retrieve(paid.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (1000, True)
    assert client.v1.refunds.retrieve(refund.id).metadata.to_dict() == {"order": "o1"}
    assert client.v1.balance.retrieve().available[0].amount == 0
    event = sink.events()[-1]
    assert event.type == "charge.refunded" and event.data.object.amount_refunded == 1000


def test_partial_refunds_add_up_to_the_charge(client: stripe.StripeClient,
                                              paid: stripe.PaymentIntent) -> None:
    """Partial refunds by charge sum up; the last one makes the charge refunded."""
    client.v1.refunds.create(params={"charge": paid.latest_charge, "amount": 300})
    middle = client.v1.charges.retrieve(paid.latest_charge)
    client.v1.refunds.create(params={"charge": paid.latest_charge, "amount": 700})
    end = client.v1.charges.retrieve(paid.latest_charge)

    assert (middle.amount_refunded, middle.refunded) == (300, False)
    assert (end.amount_refunded, end.refunded) == (1000, True)
    refunds = client.v1.refunds.list(params={"charge": paid.latest_charge})
    assert [r.amount for r in refunds.data] == [700, 300]


def test_over_refund_is_rejected(client: stripe.StripeClient,
                                 paid: stripe.PaymentIntent) -> None:
    """More than the unrefunded amount is `amount_too_large`; nothing is refunded."""
    client.v1.refunds.create(params={"payment_intent": paid.id, "amount": 600})

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": paid.id, "amount": 401})

    assert (info.value.code, info.value.param) == ("amount_too_large", "amount")
    assert client.v1.charges.retrieve(paid.latest_charge).amount_refunded == 600


def test_refunding_twice_in_full_is_rejected(client: stripe.StripeClient,
                                             paid: stripe.PaymentIntent) -> None:
    """A fully refunded charge cannot be refunded again."""
    client.v1.refunds.create(params={"payment_intent": paid.id})

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": paid.id})

    assert info.value.code == "charge_already_refunded"


def test_refund_needs_a_successful_payment(client: stripe.StripeClient) -> None:
    """An unpaid intent has nothing to refund."""
    intent = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": intent.id})

    assert info.value.code == "charge_not_refundable"


def test_dispute_opened_and_won(client: stripe.StripeClient, fake: FakeStripeServer,
                                paid: stripe.PaymentIntent, sink: WebhookSink) -> None:
    """A dispute withdraws the funds; winning it returns them."""
    dispute = fake.control(f"charges/{paid.latest_charge}/dispute", reason="fraudulent")

    assert dispute["status"] == "needs_response" and dispute["amount"] == 1000
    assert client.v1.balance.retrieve().available[0].amount == 0
    assert client.v1.charges.retrieve(paid.latest_charge).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": paid.id})
    assert info.value.code == "charge_disputed"

    fake.control(f"disputes/{dispute['id']}/close", status="won")

    assert client.v1.disputes.retrieve(dispute["id"]).status == "won"
    assert client.v1.balance.retrieve().available[0].amount == 1000
    assert sink.types()[-2:] == ["charge.dispute.created", "charge.dispute.closed"]


def test_lost_dispute_keeps_the_funds_withdrawn(client: stripe.StripeClient,
                                                fake: FakeStripeServer,
                                                paid: stripe.PaymentIntent) -> None:
    """Losing a dispute returns nothing."""
    dispute = fake.control(f"charges/{paid.latest_charge}/dispute")
    closed = fake.control(f"disputes/{dispute['id']}/close", status="lost")

    assert closed["status"] == "lost"
    assert client.v1.balance.retrieve().available[0].amount == 0

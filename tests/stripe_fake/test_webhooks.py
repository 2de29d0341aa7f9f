"""Webhook delivery and signing: verifiable by `stripe.Webhook.construct_event`."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pytest
import requests
import stripe

from tests.fakes.stripe_fake import FakeStripeServer, sign_payload
from tests.fakes.stripe_fake.events import encode_event
from tests.stripe_fake.conftest import WEBHOOK_SECRET, WebhookSink


def test_sign_payload_matches_the_library() -> None:
    """Same header as `WebhookSignature.generate_signature_header`, accepted by it."""
    payload = b'{"id": "evt_1", "object": "event", "type": "payout.paid", "data": {}}'

    header = sign_payload(payload, "whsec_abc", timestamp=1_700_000_000)

    expected = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), "whsec_abc", timestamp=1_700_000_000)
    assert header == expected
    fresh = sign_payload(payload, "whsec_abc")
    assert stripe.Webhook.construct_event(payload, fresh, "whsec_abc").id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(payload, header, "whsec_abc")


def test_one_event_resent_many_times(client: stripe.StripeClient, fake: FakeStripeServer,
                                     sink: WebhookSink) -> None:
    """Resending delivers the same body (same event id) with a fresh, valid signature."""
    intent = client.v1.payment_intents.create(params={
        "amount": 100, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa"})
    event = fake.state.events("payment_intent.succeeded")[0]
    before = len(sink.received)

    for _ in range(3):
        fake.control(f"events/{event['id']}/resend")

    resent = sink.received[before:]
    assert len(resent) == 3 and {r.body for r in resent} == {encode_event(event)}
    ids = {stripe.Webhook.construct_event(r.body, r.signature, WEBHOOK_SECRET).id
           for r in resent}
    assert ids == {event["id"]}
    assert event["data"]["object"]["id"] == intent.id


def test_background_delivery_and_flush(sink: WebhookSink) -> None:
    """The default delivery posts from a worker; `flush_events()` waits for it."""
    with FakeStripeServer(webhook_url=sink.url, webhook_secret=WEBHOOK_SECRET) as server, \
            requests.Session() as session:
        client = stripe.StripeClient("sk_test_bg", base_addresses={"api": server.url},
                                     http_client=stripe.RequestsClient(session=session))
        for _ in range(3):
            client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
            server.control("balance/add", amount=100, currency="usd", pending=True)
        server.control("balance/settle")

        assert server.flush_events() is True
        assert sink.types() == ["payment_intent.created"] * 3 + ["balance.available"]
        assert all(d.ok for d in server.state.webhooks.deliveries)


def test_failed_delivery_is_recorded(client: stripe.StripeClient, fake: FakeStripeServer,
                                     sink: WebhookSink) -> None:
    """A non-2xx answer is recorded as a failed delivery (resend it to retry)."""
    sink.status = 500
    client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})

    delivery = fake.state.webhooks.deliveries[-1]
    assert (delivery.status, delivery.ok) == (500, False)
    listed = requests.get(f"{fake.url}/_fake/deliveries").json()["data"]
    assert listed[-1]["event_id"] == delivery.event_id and listed[-1]["ok"] is False


def test_unreachable_endpoint_is_recorded() -> None:
    """A connection error does not break the API call that emitted the event."""
    with FakeStripeServer(webhook_url="http://127.0.0.1:9/nowhere", delivery="sync") as server:
        response = requests.post(f"{server.url}/v1/payment_intents",
                                 data={"amount": "100", "currency": "usd"},
                                 auth=("sk_test_x", ""))
        delivery = server.state.webhooks.deliveries[-1]

    assert response.status_code == 200
    assert delivery.status is None and delivery.error


def test_custom_sender_and_generated_secret() -> None:
    """`webhook_sender` replaces HTTP (e.g. a Flask test client); a secret is generated."""
    seen: list[tuple[str, bytes, Mapping[str, str]]] = []

    def sender(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        seen.append((url, body, headers))
        return 204

    with FakeStripeServer(webhook_url="http://app.test/hook", webhook_sender=sender,
                          delivery="sync") as server:
        requests.post(f"{server.url}/v1/accounts", data={"type": "express"},
                      auth=("sk_test_x", ""))
        server.control("accounts/" + server.state.all("account")[0]["id"]
                       + "/complete_onboarding")
        secret = server.webhook_secret

    assert secret is not None and secret.startswith("whsec_")
    url, body, headers = seen[0]
    assert url == "http://app.test/hook"
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret)
    assert event.type == "account.updated"
    assert headers["Content-Type"].startswith("application/json")


def test_event_timestamps_are_recent(client: stripe.StripeClient, sink: WebhookSink) -> None:
    """Signatures carry the delivery time, inside the library's 300 s tolerance."""
    client.v1.accounts.create(params={"type": "express"})
    client.v1.accounts.update(client.v1.accounts.list().data[0].id,
                              params={"metadata": {"x": "1"}})

    stamp = int(sink.received[-1].signature.split(",")[0].removeprefix("t="))
    assert abs(stamp - time.time()) < 5

"""`Idempotency-Key`: replay the first answer byte for byte; refuse a key reused differently."""

from __future__ import annotations

import pytest
import stripe

from tests.fakes.stripe_fake import FakeStripeServer
from tests.stripe_fake.conftest import WebhookSink

PARAMS: dict[str, object] = {"amount": 700, "currency": "cny", "metadata": {"order": "o-1"}}


def _create(client: stripe.StripeClient, key: str, **params: object) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={**PARAMS, **params},  # type: ignore[typeddict-item]
        options={"idempotency_key": key})


def test_replay_returns_the_same_object_and_creates_nothing(client: stripe.StripeClient,
                                                             fake: FakeStripeServer,
                                                             sink: WebhookSink) -> None:
    """The second call is answered from the store: same body, `Idempotent-Replayed: true`."""
    first = _create(client, "order-o-1")
    deliveries = len(sink.received)

    second = _create(client, "order-o-1")

    assert second.id == first.id
    assert second.last_response.body == first.last_response.body
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert second.last_response.headers["Original-Request"] == first.last_response.request_id
    assert second.last_response.idempotency_key == "order-o-1"
    assert fake.state.count("payment_intent") == 1
    assert len(sink.received) == deliveries


def test_same_key_with_different_params_is_an_idempotency_error(
        client: stripe.StripeClient, fake: FakeStripeServer) -> None:
    """Reusing a key with other parameters is a 400 `idempotency_error`."""
    _create(client, "order-o-2")

    with pytest.raises(stripe.IdempotencyError) as info:
        _create(client, "order-o-2", amount=701)

    assert info.value.http_status == 400
    assert info.value.json_body["error"]["type"] == "idempotency_error"
    assert fake.state.count("payment_intent") == 1


def test_param_order_does_not_matter(client: stripe.StripeClient) -> None:
    """The same parameters in another order are the same request."""
    first = client.v1.payment_intents.create(
        params={"amount": 5, "currency": "usd", "description": "d"},
        options={"idempotency_key": "k-order"})
    second = client.v1.payment_intents.create(
        params={"description": "d", "currency": "usd", "amount": 5},
        options={"idempotency_key": "k-order"})

    assert second.id == first.id


def test_same_key_on_another_endpoint_is_refused(client: stripe.StripeClient,
                                                 fake: FakeStripeServer) -> None:
    """A key belongs to the endpoint it was first used on."""
    _create(client, "shared-key")

    with pytest.raises(stripe.IdempotencyError):
        client.v1.accounts.create(params={"type": "express"},
                                  options={"idempotency_key": "shared-key"})

    assert fake.state.count("account") == 0


def test_errors_are_replayed_too(client: stripe.StripeClient, fake: FakeStripeServer) -> None:
    """A decline is stored like a success: the retry gets the same 402, no second charge."""
    intent = _create(client, "create-key")
    for _ in range(2):
        with pytest.raises(stripe.CardError) as info:
            client.v1.payment_intents.confirm(
                intent.id, params={"payment_method": "pm_card_chargeDeclined"},
                options={"idempotency_key": "confirm-key"})

    assert info.value.headers["Idempotent-Replayed"] == "true"
    assert fake.state.count("charge") == 1


def test_keys_are_scoped_per_account(client: stripe.StripeClient, fake: FakeStripeServer,
                                     enabled_account: stripe.Account) -> None:
    """The same key used as the platform and as a connected account are two requests."""
    fake.control("balance/add", amount=1000, currency="cny")
    fake.control("balance/add", amount=1000, currency="cny", account=enabled_account.id)
    params = {"amount": 100, "currency": "cny"}

    platform = client.v1.payouts.create(params=params,  # type: ignore[arg-type]
                                        options={"idempotency_key": "po-1"})
    connected = client.v1.payouts.create(params=params, options={  # type: ignore[arg-type]
        "idempotency_key": "po-1", "stripe_account": enabled_account.id})

    assert platform.id != connected.id

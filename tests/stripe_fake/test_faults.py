"""Fault injection: a payout retried after a lost answer transfers exactly once."""

from __future__ import annotations

import pytest
import stripe

from tests.fakes.stripe_fake import FakeStripeServer
from tests.stripe_fake.conftest import ClientFactory, WebhookSink

KEY = "ledger-txn-42"


@pytest.fixture
def destination(fake: FakeStripeServer, enabled_account: stripe.Account) -> str:
    """An enabled account, and 10000 cny available on the platform."""
    fake.control("balance/add", amount=10000, currency="cny")
    return str(enabled_account.id)


def _pay(client: stripe.StripeClient, destination: str) -> stripe.Transfer:
    return client.v1.transfers.create(
        params={"amount": 2500, "currency": "cny", "destination": destination},
        options={"idempotency_key": KEY})


def _assert_one_transfer(client: stripe.StripeClient, fake: FakeStripeServer,
                         transfer: stripe.Transfer) -> None:
    assert fake.state.count("transfer") == 1
    assert client.v1.transfers.list().data[0].id == transfer.id
    assert client.v1.balance.retrieve().available[0].amount == 7500


def test_lost_response_is_retried_and_replayed(client: stripe.StripeClient,
                                               fake: FakeStripeServer, destination: str,
                                               sink: WebhookSink) -> None:
    """The fake transfers, then drops the connection; the library's retry gets the replay."""
    fake.fail_next("/v1/transfers", mode="drop_after", method="POST")

    transfer = _pay(client, destination)

    assert transfer.last_response.headers["Idempotent-Replayed"] == "true"
    _assert_one_transfer(client, fake, transfer)
    assert sink.types().count("transfer.created") == 1


def test_timeout_is_retried_and_replayed(make_client: ClientFactory, fake: FakeStripeServer,
                                         destination: str) -> None:
    """The answer comes after the client's timeout; the retry is answered from the store."""
    client = make_client(timeout=0.5)
    fake.fail_next("/v1/transfers", mode="delay", delay=5.0)

    transfer = _pay(client, destination)

    assert transfer.last_response.headers["Idempotent-Replayed"] == "true"
    _assert_one_transfer(client, fake, transfer)


def test_server_error_before_work_is_retried(client: stripe.StripeClient,
                                             fake: FakeStripeServer, destination: str) -> None:
    """A 500 that did nothing is retried; the second attempt does the work once."""
    fault = fake.fail_next("/v1/transfers", mode="error", times=2)

    transfer = _pay(client, destination)

    assert fault.hits == 2
    assert "Idempotent-Replayed" not in transfer.last_response.headers
    _assert_one_transfer(client, fake, transfer)


def test_retries_exhausted_then_a_later_retry_replays(make_client: ClientFactory,
                                                      fake: FakeStripeServer,
                                                      destination: str) -> None:
    """Every attempt lost: the caller sees a connection error, yet the transfer happened
    once, and retrying later with the same key returns it instead of paying twice."""
    client = make_client(retries=1)
    fake.fail_next("/v1/transfers", mode="drop_after", times=2)

    with pytest.raises(stripe.APIConnectionError):
        _pay(client, destination)
    transfer = _pay(client, destination)

    assert transfer.last_response.headers["Idempotent-Replayed"] == "true"
    _assert_one_transfer(client, fake, transfer)


def test_dropped_before_work_does_nothing(make_client: ClientFactory, fake: FakeStripeServer,
                                          destination: str) -> None:
    """`drop_before` loses the request itself: no transfer until the retry."""
    client = make_client(retries=0)
    fake.fail_next("/v1/transfers", mode="drop_before")

    with pytest.raises(stripe.APIConnectionError):
        _pay(client, destination)
    assert fake.state.count("transfer") == 0

    transfer = _pay(client, destination)
    assert "Idempotent-Replayed" not in transfer.last_response.headers
    _assert_one_transfer(client, fake, transfer)


def test_faults_match_paths_and_methods(client: stripe.StripeClient,
                                        fake: FakeStripeServer) -> None:
    """A fault for POST leaves GETs alone, and a glob matches ids."""
    fake.fail_next("/v1/accounts/*", mode="error", method="POST", status=503)
    account = client.v1.accounts.create(params={"type": "express"})
    client.v1.accounts.retrieve(account.id)

    assert len(fake.state.faults.pending()) == 1
    updated = client.v1.accounts.update(account.id, params={"metadata": {"k": "v"}})
    assert updated.metadata.k == "v"
    assert fake.state.faults.pending() == []


def test_faults_over_http(client: stripe.StripeClient, fake: FakeStripeServer) -> None:
    """`POST /_fake/faults` arms a fault for demos that cannot reach the Python object."""
    fake.control("faults", path="/v1/balance", mode="error", status=500, times=5)

    with pytest.raises(stripe.APIError) as info:
        client.v1.balance.retrieve()

    assert info.value.http_status == 500
    assert fake.state.faults.pending()[0].hits == 3  # one try and two retries

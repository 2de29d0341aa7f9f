"""Transfers to connected accounts, reversals, the platform balance and payouts."""

from __future__ import annotations

import pytest
import stripe

from tests.fakes.stripe_fake import FakeStripeServer
from tests.stripe_fake.conftest import WebhookSink


@pytest.fixture
def funded(fake: FakeStripeServer) -> int:
    """The platform holds 10000 cny available."""
    fake.control("balance/add", amount=10000, currency="cny")
    return 10000


def _transfer(client: stripe.StripeClient, destination: str, amount: int = 3000,
              **options: str) -> stripe.Transfer:
    return client.v1.transfers.create(params={
        "amount": amount, "currency": "cny", "destination": destination,
        "transfer_group": "payout-2025-01", "metadata": {"payout": "p1"}},
        options=options)  # type: ignore[arg-type]


def test_transfer_to_an_enabled_account(client: stripe.StripeClient, funded: int,
                                        enabled_account: stripe.Account,
                                        sink: WebhookSink) -> None:
    """The platform's available balance drops; the account's rises; `transfer.created`."""
    transfer = _transfer(client, enabled_account.id)

    assert transfer.id.startswith("tr_") and transfer.object == "transfer"
    assert (transfer.amount, transfer.currency, transfer.destination) == (
        3000, "cny", enabled_account.id)
    assert transfer.transfer_group == "payout-2025-01" and transfer.reversed is False
    assert client.v1.balance.retrieve().available[0].amount == funded - 3000
    connected = client.v1.balance.retrieve(options={"stripe_account": enabled_account.id})
    assert connected.available[0].amount == 3000
    assert client.v1.transfers.retrieve(transfer.id).metadata.to_dict() == {"payout": "p1"}
    event = sink.events()[-1]
    assert event.type == "transfer.created" and event.data.object.id == transfer.id


def test_transfer_to_an_account_not_onboarded_is_rejected(client: stripe.StripeClient,
                                                          funded: int) -> None:
    """Without an active `transfers` capability the destination is refused."""
    account = client.v1.accounts.create(params={
        "type": "express", "capabilities": {"transfers": {"requested": True}}})

    with pytest.raises(stripe.InvalidRequestError) as info:
        _transfer(client, account.id)

    assert info.value.http_status == 400
    assert (info.value.code, info.value.param) == (
        "insufficient_capabilities_for_transfer", "destination")
    assert client.v1.transfers.list().data == []


def test_transfer_to_an_unknown_account(client: stripe.StripeClient, funded: int) -> None:
    """An unknown destination is `resource_missing` on `destination`."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        _transfer(client, "acct_unknown")

    assert (info.value.code, info.value.param) == ("resource_missing", "destination")


def test_insufficient_balance(client: stripe.StripeClient, enabled_account: stripe.Account,
                              fake: FakeStripeServer) -> None:
    """Pending funds do not count: `balance_insufficient`."""
    fake.control("balance/add", amount=5000, currency="cny", pending=True)

    with pytest.raises(stripe.InvalidRequestError) as info:
        _transfer(client, enabled_account.id, amount=100)

    assert info.value.code == "balance_insufficient"
    assert fake.state.count("transfer") == 0


def test_partial_then_full_reversal(client: stripe.StripeClient, funded: int,
                                    enabled_account: stripe.Account,
                                    sink: WebhookSink) -> None:
    """Reversals return funds until the transfer is fully reversed; more is refused."""
    transfer = _transfer(client, enabled_account.id)

    first = client.v1.transfers.reversals.create(transfer.id, params={"amount": 1000})
    rest = client.v1.transfers.reversals.create(transfer.id)

    assert first.id.startswith("trr_") and first.object == "transfer_reversal"
    assert (first.amount, rest.amount) == (1000, 2000)
    after = client.v1.transfers.retrieve(transfer.id)
    assert (after.amount_reversed, after.reversed) == (3000, True)
    assert after.reversals.total_count == 2
    assert client.v1.balance.retrieve().available[0].amount == funded
    assert [e.type for e in sink.events()].count("transfer.reversed") == 2
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 1})
    assert info.value.code == "transfer_already_reversed"
    listed = client.v1.transfers.reversals.list(transfer.id)
    assert [r.id for r in listed.data] == [rest.id, first.id]


def test_over_reversal_is_rejected(client: stripe.StripeClient, funded: int,
                                   enabled_account: stripe.Account) -> None:
    """A reversal larger than what is left is refused."""
    transfer = _transfer(client, enabled_account.id)

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 3001})

    assert info.value.code == "amount_too_large"


def test_connected_account_payout_paid_and_failed(client: stripe.StripeClient,
                                                  fake: FakeStripeServer, funded: int,
                                                  enabled_account: stripe.Account,
                                                  sink: WebhookSink) -> None:
    """Payouts draw on the connected balance; a failed one gives the money back."""
    _transfer(client, enabled_account.id)
    as_account = {"stripe_account": enabled_account.id}

    paid = client.v1.payouts.create(params={"amount": 1000, "currency": "cny"},
                                    options=as_account)  # type: ignore[arg-type]
    failed = client.v1.payouts.create(params={"amount": 500, "currency": "cny"},
                                      options=as_account)  # type: ignore[arg-type]
    fake.control(f"payouts/{paid.id}/paid")
    fake.control(f"payouts/{failed.id}/failed", failure_code="account_closed")

    assert paid.id.startswith("po_") and paid.status == "pending"
    assert client.v1.payouts.retrieve(paid.id, options=as_account).status == "paid"  # type: ignore[arg-type]
    again = client.v1.payouts.retrieve(failed.id, options=as_account)  # type: ignore[arg-type]
    assert (again.status, again.failure_code) == ("failed", "account_closed")
    connected = client.v1.balance.retrieve(options=as_account)  # type: ignore[arg-type]
    assert connected.available[0].amount == 2000
    paid_event, failed_event = sink.events()[-2:]
    assert (paid_event.type, paid_event.account) == ("payout.paid", enabled_account.id)
    assert failed_event.type == "payout.failed"


def test_payout_beyond_the_balance(client: stripe.StripeClient, funded: int) -> None:
    """The platform cannot pay out more than it has available."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.payouts.create(params={"amount": funded + 1, "currency": "cny"})

    assert info.value.code == "balance_insufficient"

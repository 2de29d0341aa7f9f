"""The wire: auth, errors, form decoding, lists and pagination, unknown URLs and params."""

from __future__ import annotations

import pytest
import requests
import stripe

from tests.fakes.stripe_fake import FakeStripeServer, create_fake_stripe_app
from tests.fakes.stripe_fake.params import parse_pairs
from tests.stripe_fake.conftest import ClientFactory


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Token sk_test_x"])
def test_missing_key_is_401(fake: FakeStripeServer, header: str | None) -> None:
    """No usable Authorization header: Stripe's 401 JSON."""
    headers = {"Authorization": header} if header is not None else {}
    response = requests.get(f"{fake.url}/v1/balance", headers=headers)

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("You did not provide an API key.")


@pytest.mark.parametrize("key", ["sk_test_has spaces", "pk_test_123", "not-a-key"])
def test_malformed_key_is_an_authentication_error(make_client: ClientFactory,
                                                  key: str) -> None:
    """The real library raises `AuthenticationError` with Stripe's message."""
    with pytest.raises(stripe.AuthenticationError) as info:
        make_client(key).v1.balance.retrieve()

    assert info.value.http_status == 401
    assert "Invalid API Key provided" in str(info.value.user_message)


def test_live_keys_are_refused(make_client: ClientFactory) -> None:
    """The fake is test mode only."""
    with pytest.raises(stripe.AuthenticationError, match="test mode"):
        make_client("sk_live_123").v1.balance.retrieve()


def test_basic_auth_like_curl(fake: FakeStripeServer) -> None:
    """`curl -u sk_test_...:` works too."""
    response = requests.get(f"{fake.url}/v1/balance", auth=("sk_test_curl", ""))

    assert response.status_code == 200 and response.json()["object"] == "balance"
    assert response.headers["Request-Id"].startswith("req_")


def test_required_key_when_configured() -> None:
    """With `api_key=` only that key is accepted."""
    with FakeStripeServer(api_key="sk_test_only") as server:
        ok = requests.get(f"{server.url}/v1/balance", auth=("sk_test_only", ""))
        other = requests.get(f"{server.url}/v1/balance", auth=("sk_test_other", ""))

    assert (ok.status_code, other.status_code) == (200, 401)


def test_unknown_stripe_account_is_403(make_client: ClientFactory) -> None:
    """Acting as an account that does not exist is a permission error."""
    client = make_client(stripe_account="acct_unknown")

    with pytest.raises(stripe.PermissionError) as info:
        client.v1.balance.retrieve()

    assert info.value.http_status == 403


def test_reset_control_forgets_everything(client: stripe.StripeClient,
                                          fake: FakeStripeServer) -> None:
    """`POST /_fake/reset` empties the fake between demo runs."""
    client.v1.accounts.create(params={"type": "express"})

    requests.post(f"{fake.url}/_fake/reset")

    assert client.v1.accounts.list().data == []


def test_stripe_version_is_echoed_and_validated(fake: FakeStripeServer) -> None:
    """A pinned version is accepted and echoed; garbage is a 400."""
    auth = {"Authorization": "Bearer sk_test_v"}
    good = requests.get(f"{fake.url}/v1/balance",
                        headers={**auth, "Stripe-Version": "2024-06-20"})
    bad = requests.get(f"{fake.url}/v1/balance", headers={**auth, "Stripe-Version": "latest"})

    assert good.headers["Stripe-Version"] == "2024-06-20"
    assert bad.status_code == 400


def test_unknown_parameter_is_rejected(client: stripe.StripeClient) -> None:
    """As Stripe: an idempotency key sent as a param (not a header) is refused."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.transfers.create(params={  # type: ignore[typeddict-unknown-key]
            "amount": 1, "currency": "usd", "destination": "acct_x", "idempotency_key": "k"})

    assert (info.value.code, info.value.param) == ("parameter_unknown", "idempotency_key")


def test_invalid_integer_and_missing_param(client: stripe.StripeClient) -> None:
    """Amounts are integers; required params are named in the error."""
    with pytest.raises(stripe.InvalidRequestError) as bad:
        client.v1.payment_intents.create(params={"amount": "ten",  # type: ignore[typeddict-item]
                                                 "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.create(params={"amount": 10})  # type: ignore[typeddict-item]

    assert bad.value.param == "amount"
    assert (missing.value.code, missing.value.param) == ("parameter_missing", "currency")


def test_unknown_url_is_stripe_404(fake: FakeStripeServer) -> None:
    """Unrecognized request URL, in Stripe's shape."""
    response = requests.delete(f"{fake.url}/v1/transfers",
                               headers={"Authorization": "Bearer sk_test_x"})

    assert response.status_code == 404
    assert "Unrecognized request URL (DELETE: /v1/transfers)" in response.json()["error"][
        "message"]


def test_list_pagination(client: stripe.StripeClient) -> None:
    """Newest first, `limit`, `has_more`, `starting_after`, `ending_before`, auto-paging."""
    ids = [client.v1.payment_intents.create(params={"amount": 100 + i, "currency": "usd"}).id
           for i in range(5)]
    newest_first = list(reversed(ids))

    page = client.v1.payment_intents.list(params={"limit": 2})
    after = client.v1.payment_intents.list(params={"limit": 2, "starting_after": page.data[-1].id})
    last = client.v1.payment_intents.list(params={"limit": 2, "starting_after": after.data[-1].id})
    before = client.v1.payment_intents.list(params={"limit": 2, "ending_before": ids[0]})

    assert (page.object, page.url, page.has_more) == ("list", "/v1/payment_intents", True)
    assert [p.id for p in page.data] == newest_first[:2]
    assert [p.id for p in after.data] == newest_first[2:4] and after.has_more is True
    assert [p.id for p in last.data] == newest_first[4:] and last.has_more is False
    assert [p.id for p in before.data] == newest_first[2:4] and before.has_more is True
    assert [p.id for p in page.auto_paging_iter()] == newest_first


def test_list_limit_bounds(client: stripe.StripeClient) -> None:
    """`limit` must be 1..100."""
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.list(params={"limit": 101})


def test_expand_nested(client: stripe.StripeClient) -> None:
    """`expand[]` replaces ids with objects, also in list data."""
    client.v1.payment_intents.create(params={
        "amount": 100, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa"})

    listed = client.v1.payment_intents.list(params={"expand": ["data.latest_charge"]})

    assert listed.data[0].latest_charge.object == "charge"


def test_events_list_filters_by_type(client: stripe.StripeClient) -> None:
    """`type` filters, with a trailing `*` as a prefix."""
    client.v1.payment_intents.create(params={
        "amount": 100, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa"})

    succeeded = client.v1.events.list(params={"type": "payment_intent.succeeded"})
    intents = client.v1.events.list(params={"type": "payment_intent.*"})

    assert [e.type for e in succeeded.data] == ["payment_intent.succeeded"]
    assert [e.type for e in intents.data] == ["payment_intent.succeeded",
                                              "payment_intent.created"]
    assert succeeded.data[0].request.idempotency_key  # the library's automatic key


def test_parse_pairs_bracket_notation() -> None:
    """Nested hashes, indexed arrays and `[]` appends, as stripe-python encodes them."""
    parsed = parse_pairs([
        ("metadata[order]", "o1"), ("capabilities[transfers][requested]", "true"),
        ("line_items[1][quantity]", "2"), ("line_items[0][price_data][unit_amount]", "500"),
        ("expand[]", "a"), ("expand[]", "b"), ("amount", "10")])

    assert parsed == {
        "metadata": {"order": "o1"}, "capabilities": {"transfers": {"requested": "true"}},
        "line_items": [{"price_data": {"unit_amount": "500"}}, {"quantity": "2"}],
        "expand": ["a", "b"], "amount": "10"}


def test_app_without_a_server() -> None:
    """The app works under Flask's test client; a `drop` fault becomes a 500 there."""
    app = create_fake_stripe_app()
    auth = {"Authorization": "Bearer sk_test_local"}
    client = app.test_client()
    created = client.post("/v1/accounts", data={"type": "express"}, headers=auth)
    app.extensions["stripe_fake"].faults.add("/v1/accounts", mode="drop_after")
    dropped = client.post("/v1/accounts", data={"type": "express"}, headers=auth)

    assert created.status_code == 200 and created.json["id"].startswith("acct_")
    assert dropped.status_code == 500
    assert app.extensions["stripe_fake"].count("account") == 2

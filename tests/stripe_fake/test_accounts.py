"""Connect accounts, account links and onboarding, driven by the real `stripe` library."""

from __future__ import annotations

import pytest
import requests
import stripe

from tests.fakes.stripe_fake import FakeStripeServer
from tests.stripe_fake.conftest import WebhookSink


def test_create_express_account_starts_disabled(client: stripe.StripeClient) -> None:
    """A new Express account has requested capabilities inactive and requirements due."""
    account = client.v1.accounts.create(params={
        "type": "express", "country": "cn", "email": "dev@example.com",
        "capabilities": {"transfers": {"requested": True}}, "metadata": {"developer": "42"}})

    assert account.id.startswith("acct_")
    assert account.object == "account"
    assert account.type == "express"
    assert account.country == "CN" and account.default_currency == "cny"
    assert account.capabilities.to_dict() == {"transfers": "inactive"}
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)
    assert account.details_submitted is False
    assert "external_account" in account.requirements.currently_due
    assert account.metadata.to_dict() == {"developer": "42"}


def test_retrieve_update_and_list(client: stripe.StripeClient, fake: FakeStripeServer,
                                  sink: WebhookSink) -> None:
    """Updating merges metadata (an empty value deletes a key) and emits `account.updated`."""
    account = client.v1.accounts.create(params={"type": "standard",
                                                "metadata": {"a": "1", "b": "2"}})

    updated = client.v1.accounts.update(account.id, params={"metadata": {"a": "", "c": "3"}})

    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    assert client.v1.accounts.retrieve(account.id).metadata.to_dict() == {"b": "2", "c": "3"}
    assert [a.id for a in client.v1.accounts.list().data] == [account.id]
    event = sink.events()[-1]
    assert event.type == "account.updated"
    assert event.account == account.id
    assert event.data.previous_attributes.to_dict() == {"metadata": {"a": "1", "b": "2"}}


def test_unknown_account_is_resource_missing(client: stripe.StripeClient) -> None:
    """Stripe's 404 shape."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.accounts.retrieve("acct_nope")

    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"
    assert info.value.json_body["error"]["type"] == "invalid_request_error"


def test_account_type_is_required(client: stripe.StripeClient) -> None:
    """Without `type` (or `controller`) Stripe refuses."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.accounts.create(params={"country": "US"})

    assert info.value.code == "parameter_missing"
    assert info.value.param == "type"


def test_account_link_onboarding_in_a_browser(client: stripe.StripeClient,
                                              fake: FakeStripeServer,
                                              sink: WebhookSink) -> None:
    """The link opens the fake's page; its button enables the account and returns."""
    account = client.v1.accounts.create(params={
        "type": "express", "capabilities": {"transfers": {"requested": True}}})
    link = client.v1.account_links.create(params={
        "account": account.id, "refresh_url": "http://portal.test/payouts/refresh",
        "return_url": "http://portal.test/payouts/done", "type": "account_onboarding"})

    assert link.object == "account_link"
    assert link.url.startswith(f"{fake.url}/_fake/onboarding/{account.id}")
    assert link.expires_at > link.created
    with requests.Session() as browser:
        page = browser.get(link.url)
        assert page.status_code == 200 and "Complete onboarding" in page.text
        token = link.url.split("link=")[1]
        done = browser.post(link.url.split("?")[0], data={"link": token},
                            allow_redirects=False)

    assert done.status_code == 303
    assert done.headers["Location"] == "http://portal.test/payouts/done"
    enabled = client.v1.accounts.retrieve(account.id)
    assert (enabled.charges_enabled, enabled.payouts_enabled) == (True, True)
    assert enabled.details_submitted is True
    assert enabled.capabilities.to_dict() == {"transfers": "active"}
    assert enabled.requirements.currently_due == []
    event = sink.events()[-1]
    assert (event.type, event.account) == ("account.updated", account.id)
    assert event.data.object.payouts_enabled is True
    assert event.data.previous_attributes.payouts_enabled is False


def test_account_link_requires_known_account(client: stripe.StripeClient) -> None:
    """`account` must exist."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.account_links.create(params={
            "account": "acct_missing", "refresh_url": "http://x/r", "return_url": "http://x/d",
            "type": "account_onboarding"})

    assert (info.value.http_status, info.value.param) == (404, "account")


def test_restrict_control_disables_payouts(client: stripe.StripeClient, fake: FakeStripeServer,
                                           enabled_account: stripe.Account,
                                           sink: WebhookSink) -> None:
    """A restricted account loses payouts and capabilities; `account.updated` says so."""
    fake.control(f"accounts/{enabled_account.id}/restrict")

    account = client.v1.accounts.retrieve(enabled_account.id)
    assert account.payouts_enabled is False
    assert account.capabilities.transfers == "inactive"
    assert sink.events()[-1].data.object.payouts_enabled is False


def test_login_link_for_express(client: stripe.StripeClient, fake: FakeStripeServer,
                                enabled_account: stripe.Account) -> None:
    """Express accounts get a dashboard login link served by the fake."""
    link = client.v1.accounts.login_links.create(enabled_account.id)

    assert link.url == f"{fake.url}/_fake/dashboard/{enabled_account.id}"
    with requests.Session() as browser:
        assert "payouts enabled" in browser.get(link.url).text

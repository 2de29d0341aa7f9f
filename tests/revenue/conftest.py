"""Skip the real-concurrency tests unless they run on PostgreSQL; the Stripe fake fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.fakes.stripe_fake import FakeStripeServer

SECRET = "whsec_test_secret"


class Relay:
    """Hands the fake's webhook deliveries to the platform's test client."""

    client: FlaskClient | None = None

    def __call__(self, url: str, body: bytes, headers: Any) -> int:
        assert self.client is not None
        return self.client.post("/webhooks/stripe", data=body,
                                headers=dict(headers)).status_code


RELAY = Relay()


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripeServer]:
    """The Stripe fake on loopback, delivering its webhooks to the platform's test client."""
    with FakeStripeServer(webhook_url="http://platform/webhooks/stripe", webhook_secret=SECRET,
                          webhook_sender=RELAY) as server:
        yield server


@pytest.fixture
def stripe_config(stripe_fake: FakeStripeServer) -> dict[str, Any]:
    """Config pointing the platform at the fake (a module's `app_config` returns it)."""
    return {"STRIPE_API_KEY": "sk_test_zc", "STRIPE_API_BASE": stripe_fake.url,
            "STRIPE_WEBHOOK_SECRET": SECRET, "STRIPE_MAX_NETWORK_RETRIES": 2,
            "ZC_PAYOUT_MINIMUM": 100}


@pytest.fixture(autouse=True)
def _relay(request: pytest.FixtureRequest) -> Iterator[None]:
    if "stripe_fake" not in request.fixturenames:
        yield
        return
    RELAY.client = request.getfixturevalue("client")
    yield
    RELAY.client = None


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres_only") and not os.environ.get(
            "TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")

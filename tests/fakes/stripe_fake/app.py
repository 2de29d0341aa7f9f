"""The fake's composition root: one Flask app per fake Stripe, with its own state."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from tests.fakes.stripe_fake import api, control, pages
from tests.fakes.stripe_fake.events import DeliveryMode, Sender, WebhookDispatcher
from tests.fakes.stripe_fake.state import DEFAULT_API_VERSION, FakeStripeState, new_id

EXTENSION = "stripe_fake"


def create_fake_stripe_app(
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    delivery: DeliveryMode = "background",
    webhook_sender: Sender | None = None,
    api_key: str | None = None,
    public_url: str | None = None,
    api_version: str = DEFAULT_API_VERSION,
    fee_percent: float = 0.0,
    fee_fixed: int = 0,
) -> Flask:
    """Build a fake Stripe API app.

    `webhook_url`: where events are posted, signed with `webhook_secret` (generated as
    `whsec_...` when omitted). `delivery`: `"background"` (worker thread; wait with
    `state.flush_events()`) or `"sync"` (posted before the API call that caused them answers).
    `webhook_sender(url, body, headers) -> status` replaces HTTP (e.g. a Flask test client).
    `api_key`: accept only this key (default: any `sk_test_...`/`rk_test_...`).
    `public_url`: base of the URLs handed out (default: the request's host).
    `fee_percent`/`fee_fixed`: Stripe's processing fee on charges (default: none).
    """
    if webhook_url and not webhook_secret:
        webhook_secret = new_id("whsec", 32)
    dispatcher = WebhookDispatcher(webhook_url, webhook_secret, mode=delivery,
                                   sender=webhook_sender)
    fake = FakeStripeState(webhooks=dispatcher, api_version=api_version,
                           fee_percent=fee_percent, fee_fixed=fee_fixed)
    app = Flask(__name__, static_folder=None)
    app.config.update(STRIPE_FAKE_API_KEY=api_key, STRIPE_FAKE_PUBLIC_URL=public_url)
    app.extensions[EXTENSION] = fake
    api.init_app(app)
    app.register_blueprint(control.bp)
    app.register_blueprint(pages.bp)
    app.add_url_rule("/", "index", _index)
    return app


def get_state(app: Flask) -> FakeStripeState:
    """The state behind a fake app (objects, events, faults, webhooks)."""
    return app.extensions[EXTENSION]  # type: ignore[no-any-return]


def _index() -> Response:
    """Say what this server is."""
    return jsonify(service="stripe-fake", api="/v1", controls="/_fake", livemode=False)

"""A stateful fake of the Stripe API, owned by the project and served on loopback.

It speaks the wire format of the official `stripe` library: form-encoded bracket params,
Bearer test keys, `Idempotency-Key` replay, Stripe's error JSON and list shape, and signed
webhook events. Test controls live under `/_fake`; see `control.py` and `pages.py`.
"""

from __future__ import annotations

from tests.fakes.stripe_fake.app import create_fake_stripe_app, get_state
from tests.fakes.stripe_fake.errors import FakeStripeError
from tests.fakes.stripe_fake.events import Delivery, WebhookDispatcher, sign_payload
from tests.fakes.stripe_fake.faults import Fault, FaultMode
from tests.fakes.stripe_fake.server import FakeStripeServer
from tests.fakes.stripe_fake.state import FakeStripeState

__all__ = [
    "Delivery",
    "FakeStripeError",
    "FakeStripeServer",
    "FakeStripeState",
    "Fault",
    "FaultMode",
    "WebhookDispatcher",
    "create_fake_stripe_app",
    "get_state",
    "sign_payload",
]

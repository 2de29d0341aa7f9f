"""What a resource handler receives: the state, the decoded parameters, the caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.stripe_fake.params import Params
from tests.fakes.stripe_fake.state import FakeStripeState

Obj = dict[str, Any]


@dataclass
class Call:
    """One API call: `account` is the `Stripe-Account` header (None acts as the platform)."""

    state: FakeStripeState
    params: Params
    account: str | None = None
    base_url: str = "http://127.0.0.1"


Handler = Callable[..., Obj]
# (HTTP method, Flask URL rule, handler taking the Call and the rule's variables)
Route = tuple[str, str, Handler]

"""The fake's whole world: objects by id, balances' transactions, events, idempotency, faults."""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes.stripe_fake.errors import invalid, resource_missing
from tests.fakes.stripe_fake.events import WebhookDispatcher, encode_event
from tests.fakes.stripe_fake.faults import FaultInjector
from tests.fakes.stripe_fake.idempotency import IdempotencyCache
from tests.fakes.stripe_fake.params import Params

# The version stripe-python 16.1 pins; events are rendered "in" it.
DEFAULT_API_VERSION = "2026-10-28.endive"
PLATFORM_ACCOUNT_ID = "acct_1FakePlatform000"
_ALPHABET = string.ascii_letters + string.digits

Obj = dict[str, Any]


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id such as `pi_3Nk...`."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def public_view(obj: Obj) -> Obj:
    """A deep copy without the fake's private `_fields`."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


class FakeStripeState:
    """In-memory, thread-safe store behind the fake; mutate only inside `transaction()`."""

    def __init__(self, *, webhooks: WebhookDispatcher | None = None,
                 api_version: str = DEFAULT_API_VERSION, fee_percent: float = 0.0,
                 fee_fixed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.webhooks = webhooks or WebhookDispatcher()
        self.faults = FaultInjector()
        self.idempotency = IdempotencyCache()
        self.api_version = api_version
        self.fee_percent = fee_percent
        self.fee_fixed = fee_fixed
        self.clock = clock
        self.objects: dict[str, Obj] = {}
        self._order: dict[str, list[str]] = {}
        self.account_links: dict[str, Obj] = {}
        self._request: Obj | None = None
        self._depth = 0

    # -- time, ids, fees -------------------------------------------------------------------

    def now(self) -> int:
        """Seconds since the epoch, as Stripe's `created` fields."""
        return int(self.clock())

    def fee_for(self, amount: int) -> int:
        """Stripe's processing fee for a charge of `amount` (zero unless configured)."""
        return int(round(amount * self.fee_percent / 100)) + self.fee_fixed if amount else 0

    # -- objects ---------------------------------------------------------------------------

    def add(self, obj: Obj) -> Obj:
        """Store a new object under its id, indexed by its `object` type."""
        self.objects[obj["id"]] = obj
        self._order.setdefault(obj["object"], []).append(obj["id"])
        return obj

    def find(self, object_id: str | None, object_type: str | None = None) -> Obj | None:
        """The stored object with this id (and type), or None."""
        obj = self.objects.get(object_id or "")
        if obj is None or (object_type and obj["object"] != object_type):
            return None
        return obj

    def get(self, object_type: str, object_id: str, *, kind: str | None = None,
            param: str = "id") -> Obj:
        """The stored object, or Stripe's 404 `resource_missing`."""
        obj = self.find(object_id, object_type)
        if obj is None:
            raise resource_missing(kind or object_type.replace("_", " "), object_id, param)
        return obj

    def all(self, object_type: str) -> list[Obj]:
        """Every object of a type, newest first (Stripe's list order)."""
        return [self.objects[i] for i in reversed(self._order.get(object_type, []))]

    def count(self, object_type: str) -> int:
        """How many objects of a type exist."""
        return len(self._order.get(object_type, []))

    def list_page(self, items: list[Obj], params: Params, url: str) -> Obj:
        """Stripe's list shape with `limit`, `starting_after` and `ending_before`."""
        limit = params.integer("limit", 10, minimum=1) or 10
        if limit > 100:
            raise invalid("This value must be less than or equal to 100.", param="limit")
        after, before = params.string("starting_after"), params.string("ending_before")
        ids = [item["id"] for item in items]
        if after is not None:
            window = items[self._cursor(ids, after, "starting_after") + 1:]
            page, has_more = window[:limit], len(window) > limit
        elif before is not None:
            window = items[: self._cursor(ids, before, "ending_before")]
            page, has_more = window[-limit:], len(window) > limit
        else:
            page, has_more = items[:limit], len(items) > limit
        return {"object": "list", "data": [public_view(i) for i in page],
                "has_more": has_more, "url": url}

    def _cursor(self, ids: list[str], cursor: str, param: str) -> int:
        if cursor not in ids:
            raise resource_missing("object", cursor, param)
        return ids.index(cursor)

    # -- events ----------------------------------------------------------------------------

    def emit(self, event_type: str, obj: Obj, *, account: str | None = None,
             previous: Obj | None = None) -> Obj:
        """Record an event about `obj` (a snapshot) and queue its webhook delivery."""
        data: Obj = {"object": public_view(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event: Obj = {"id": new_id("evt"), "object": "event"}
        if account is not None:
            event["account"] = account
        event.update({
            "api_version": self.api_version,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1 if self.webhooks.enabled else 0,
            "request": dict(self._request or {"id": None, "idempotency_key": None}),
            "type": event_type,
        })
        self.add(event)
        self.webhooks.enqueue(event["id"], encode_event(event))
        return event

    def events(self, event_type: str | None = None) -> list[Obj]:
        """Recorded events, oldest first, optionally of one type."""
        found = list(reversed(self.all("event")))
        return [e for e in found if event_type is None or e["type"] == event_type]

    def resend_event(self, event_id: str) -> None:
        """Deliver a recorded event to the webhook again (same body, fresh signature)."""
        with self.transaction():
            event = self.get("event", event_id, kind="event")
            self.webhooks.enqueue(event_id, encode_event(event))

    def flush_events(self, timeout: float = 10.0) -> bool:
        """Wait until every queued webhook delivery was attempted."""
        return self.webhooks.flush(timeout)

    # -- locking ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self, request_id: str | None = None,
                    idempotency_key: str | None = None) -> Iterator[FakeStripeState]:
        """Hold the lock for one operation, then send the webhooks it queued."""
        with self.lock:
            outermost = self._depth == 0
            if outermost:
                self._request = {"id": request_id, "idempotency_key": idempotency_key}
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                if outermost:
                    self._request = None
        if outermost:
            self.webhooks.kick()

    def reset(self) -> None:
        """Forget every object, event, idempotency key and armed fault."""
        with self.lock:
            self.objects.clear()
            self._order.clear()
            self.account_links.clear()
            self.idempotency.clear()
            self.faults.clear()
            self.webhooks.deliveries.clear()

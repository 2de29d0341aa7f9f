"""Stripe's idempotency keys: replay the stored answer, refuse a key reused differently."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from tests.fakes.stripe_fake.errors import FakeStripeError

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    """The first answer given for an idempotency key, replayed byte for byte."""

    method: str
    path: str
    fingerprint: str
    status: int
    body: bytes
    request_id: str


def fingerprint(params: dict[str, Any]) -> str:
    """A canonical form of the decoded parameters (order of fields does not matter)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def _mismatch(message: str) -> FakeStripeError:
    return FakeStripeError(message, status=400, type="idempotency_error")


class IdempotencyCache:
    """Stored answers by (account scope, key)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], StoredResponse] = {}
        self._lock = threading.Lock()

    def lookup(self, scope: str, key: str, method: str, path: str,
               print_: str) -> StoredResponse | None:
        """The stored answer for this key, or None; raise if the key was used differently."""
        if len(key) > MAX_KEY_LENGTH:
            raise FakeStripeError(
                f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters long."
            )
        with self._lock:
            stored = self._entries.get((scope, key))
        if stored is None:
            return None
        if (stored.method, stored.path) != (method, path):
            raise _mismatch(
                "Keys for idempotent requests can only be used for the same endpoint they were "
                f"first used for ('{stored.method} {stored.path}' vs '{method} {path}'). "
                f"Try using a key other than '{key}' if you meant to execute a different request."
            )
        if stored.fingerprint != print_:
            raise _mismatch(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request."
            )
        return stored

    def store(self, scope: str, key: str, response: StoredResponse) -> None:
        """Remember the first answer for a key."""
        with self._lock:
            self._entries.setdefault((scope, key), response)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._entries.clear()

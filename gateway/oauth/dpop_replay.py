"""The DPoP `jti` replay cache (RFC 9449 §11.1): a proof's jti is accepted once per key.

With REDIS_URL, every instance shares one record (SET NX with the proof's lifetime, through
gateway/cache.py). Without it, this process keeps a bounded record (ZC_DPOP_REPLAY_CACHE_SIZE):
when full it drops its oldest entry and from then on refuses every proof issued no later than
the dropped one, so a forgotten jti can never be replayed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from flask import current_app

from gateway.cache import get_cache


class MemoryReplay:
    """A bounded, thread-safe record of seen proofs in this process."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max(1, max_entries)
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()  # key: (expiry, iat)
        self._floor = -(2**62)  # proofs issued at or before this were forgotten: refused
        self._lock = threading.Lock()

    def first_use(self, key: str, iat: int, ttl: int) -> bool:
        """Record `key`; False when it was seen, or when proofs this old were forgotten."""
        now = time.monotonic()
        with self._lock:
            while self._seen:  # insertion order is expiry order (one ttl per app)
                oldest, (expiry, _iat) = next(iter(self._seen.items()))
                if expiry > now:
                    break
                del self._seen[oldest]
            if iat <= self._floor or key in self._seen:
                return False
            while len(self._seen) >= self.max_entries:
                _key, (_expiry, dropped_iat) = self._seen.popitem(last=False)
                self._floor = max(self._floor, dropped_iat)
            self._seen[key] = (now + ttl, iat)
            return iat > self._floor


def _memory() -> MemoryReplay:
    extensions = current_app.extensions
    replay: MemoryReplay | None = extensions.get("zc_dpop_replay")
    if replay is None:
        replay = extensions.setdefault("zc_dpop_replay", MemoryReplay(
            int(current_app.config["ZC_DPOP_REPLAY_CACHE_SIZE"])))
    return replay


def first_use(jkt: str, jti: str, iat: int, *, ttl: int) -> bool:
    """Whether this (key, jti) is seen for the first time within `ttl` seconds."""
    key = "dpop-jti:" + hashlib.sha256(f"{jkt}:{jti}".encode()).hexdigest()[:40]
    if current_app.config.get("REDIS_URL"):
        return get_cache().add(key, iat, ttl)
    return _memory().first_use(key, iat, ttl)

"""`process://`: rate-limit counters kept in this process, for deployments without Redis.

A storage for the `limits` library (so Flask-Limiter's limits and the open API's quotas both use
it through limits' own strategies), in fixed windows only. limits' `memory://` storage does the
same but starts a timer thread for every expiry pass (one every 10 ms under load), which was the
largest part of the rate limiter's cost on the token endpoint; here an expired window is simply
reopened by the next hit, and expired keys are dropped when the table grows large.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage


class ProcessStorage(Storage):
    """Fixed-window counters in a dict: key -> (window end, hits)."""

    STORAGE_SCHEME = ["process"]
    MAX_KEYS = 100_000

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` hits to the key's current window (opening one of `expiry` seconds)."""
        now = time.time()
        with self._lock:
            end, count = self._windows.get(key, (0.0, 0))
            if end <= now:
                if len(self._windows) >= self.MAX_KEYS:
                    self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
                end, count = now + expiry, 0
            count += amount
            self._windows[key] = (end, count)
        return count

    def decr(self, key: str, amount: int = 1) -> int:
        """Take hits back (a limit deducted only for some responses)."""
        with self._lock:
            end, count = self._windows.get(key, (0.0, 0))
            if end <= time.time():
                return 0
            count = max(count - amount, 0)
            self._windows[key] = (end, count)
        return count

    def get(self, key: str) -> int:
        """The hits in the key's current window."""
        end, count = self._windows.get(key, (0.0, 0))
        return count if end > time.time() else 0

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (now, when it has none)."""
        now = time.time()
        end, _ = self._windows.get(key, (0.0, 0))
        return end if end > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            count, self._windows = len(self._windows), {}
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

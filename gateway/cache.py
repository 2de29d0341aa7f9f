"""A tiny shared cache: Redis when REDIS_URL is set, an in-process TTL dict otherwise.

Values are anything JSON can carry; both backends round-trip through JSON so code behaves the
same on one machine and on many. Use `get_cache()` inside an app context.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol

from flask import Flask, current_app

KEY_PREFIX = "zc:cache:"


class Cache(Protocol):
    """get/set with a TTL in seconds, and delete."""

    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def add(self, key: str, value: Any, ttl: int) -> bool: ...


class MemoryCache:
    """Per-process cache (one worker only sees its own entries): for development and tests."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._data: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: str) -> Any | None:
        """The value under `key`, or None when absent or expired."""
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._data[key]
                return None
            return json.loads(found[1])

    def set(self, key: str, value: Any, ttl: int) -> None:
        """Store `value` for `ttl` seconds."""
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        encoded = json.dumps(value)
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._evict()
            self._data[key] = (time.monotonic() + ttl, encoded)

    def delete(self, key: str) -> None:
        """Forget `key` (no error when absent)."""
        with self._lock:
            self._data.pop(key, None)

    def add(self, key: str, value: Any, ttl: int) -> bool:
        """Store `value` for `ttl` seconds unless `key` is present; whether it was stored."""
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        encoded = json.dumps(value)
        with self._lock:
            found = self._data.get(key)
            if found is not None and found[0] > time.monotonic():
                return False
            if len(self._data) >= self.max_entries:
                self._evict()
            self._data[key] = (time.monotonic() + ttl, encoded)
            return True

    def _evict(self) -> None:
        now = time.monotonic()
        for key in [k for k, (expires, _) in self._data.items() if expires <= now]:
            del self._data[key]
        while len(self._data) >= self.max_entries:  # still full: drop the oldest inserted
            del self._data[next(iter(self._data))]


class RedisCache:
    """Cache shared by every worker and instance, in Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, key: str) -> Any | None:
        """The value under `key`, or None when absent or expired."""
        raw = self._client.get(KEY_PREFIX + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: int) -> None:
        """Store `value` for `ttl` seconds."""
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._client.set(KEY_PREFIX + key, json.dumps(value), ex=ttl)

    def delete(self, key: str) -> None:
        """Forget `key` (no error when absent)."""
        self._client.delete(KEY_PREFIX + key)

    def add(self, key: str, value: Any, ttl: int) -> bool:
        """Store `value` for `ttl` seconds unless `key` is present (SET NX: atomic across
        every instance); whether it was stored."""
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        return bool(self._client.set(KEY_PREFIX + key, json.dumps(value), ex=ttl, nx=True))


def build(redis_url: str | None) -> Cache:
    """The cache for this configuration."""
    return RedisCache(redis_url) if redis_url else MemoryCache()


def init_app(app: Flask) -> None:
    """Attach the cache to the app (REDIS_URL decides the backend)."""
    app.extensions["zc_cache"] = build(app.config.get("REDIS_URL"))


def get_cache() -> Cache:
    """The current app's cache."""
    cache: Cache = current_app.extensions["zc_cache"]
    return cache

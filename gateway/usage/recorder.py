"""The hot-path usage recorder: counts in memory (or Redis) and writes them to the tables in bulk.

`record_call` and `record_share` never touch the database. Without Redis each process keeps
thread-safe counters and flushes them every ZC_USAGE_FLUSH_EVERY events, at the end of a request
once ZC_USAGE_FLUSH_SECONDS have passed since the last flush, from a timer thread (outside tests)
and at exit, or when `flush()` is called. With
REDIS_URL the counters live in Redis (HINCRBY / SADD, one pipelined round trip) and `flush()` (run
by `gateway usage flush` and the worker) moves them into the tables. Writes are upserts that add to
the stored counters, so concurrent flushes from several processes are correct.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask, current_app

from gateway.observability import metrics
from gateway.timeutil import utcnow
from gateway.usage import store
from gateway.usage.models import SHARE_SOURCES

log = logging.getLogger(__name__)

CallKey = tuple[int, date, str, bool]
UserKey = tuple[int, date, int]
ShareKey = tuple[int, date, str, str]


class Batch:
    """One set of counts waiting to be written."""

    def __init__(self) -> None:
        self.calls: Counter[CallKey] = Counter()
        self.users: set[UserKey] = set()
        self.shares: Counter[ShareKey] = Counter()

    def __len__(self) -> int:
        return len(self.calls) + len(self.users) + len(self.shares)

    def merge(self, other: Batch) -> None:
        self.calls.update(other.calls)
        self.users |= other.users
        self.shares.update(other.shares)


class MemoryRecorder:
    """Per-process counters behind a lock, swapped out whole on flush."""

    def __init__(self, flush_every: int, flush_seconds: float) -> None:
        self.lock = threading.Lock()
        self.batch = Batch()
        self.events = 0
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self.last_flush = time.monotonic()
        self.background = False  # a timer thread flushes (not in tests: they call flush())
        self.timer_pid = 0

    def add_call(self, key: CallKey, user: UserKey | None) -> bool:
        with self.lock:
            self.batch.calls[key] += 1
            if user is not None:
                self.batch.users.add(user)
            self.events += 1
            return self.events >= self.flush_every

    def add_share(self, key: ShareKey) -> bool:
        with self.lock:
            self.batch.shares[key] += 1
            self.events += 1
            return self.events >= self.flush_every

    def due(self) -> bool:
        return self.events > 0 and time.monotonic() - self.last_flush >= self.flush_seconds

    def take(self) -> Batch:
        with self.lock:
            batch, self.batch = self.batch, Batch()
            self.events = 0
            self.last_flush = time.monotonic()
        return batch

    def give_back(self, batch: Batch) -> None:
        with self.lock:
            self.batch.merge(batch)


def _recorder(app: Flask) -> MemoryRecorder:
    recorder = app.extensions["zc_usage"]
    if recorder.background and recorder.timer_pid != os.getpid():
        _start_timer(app, recorder)
    return recorder


def _start_timer(app: Flask, recorder: MemoryRecorder) -> None:
    """Flush from a daemon thread every ZC_USAGE_FLUSH_SECONDS, and once at exit, so an idle
    or recycled worker loses nothing. Started lazily in each process (threads do not survive a
    fork)."""
    with recorder.lock:
        if recorder.timer_pid == os.getpid():
            return
        recorder.timer_pid = os.getpid()

    def flush_now() -> None:
        with app.app_context():
            if recorder.events:
                _quietly(flush)

    def loop() -> None:
        while True:
            time.sleep(max(recorder.flush_seconds, 0.5))
            flush_now()

    threading.Thread(target=loop, name="usage-flush", daemon=True).start()
    atexit.register(flush_now)


def _redis(app: Flask) -> Any:
    return app.extensions.get("zc_usage_redis")


def _clean_api(api: str) -> str:
    return (api or "unknown")[:64]


def _quietly(action: Callable[..., Any], *args: Any) -> None:
    """Counting must never fail the call being counted: log and go on."""
    try:
        action(*args)
    except Exception:
        log.exception("usage recording failed")


def record_call(app_id: int, api: str, user_id: int | None, ok: bool) -> None:
    """Count one call of `api` by an app (and its user as active today). No database write."""
    metrics.api_call(_clean_api(api), "ok" if ok else "error")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    today = utcnow().date()
    key: CallKey = (int(app_id), today, _clean_api(api), bool(ok))
    user: UserKey | None = None if user_id is None else (int(app_id), today, int(user_id))
    client = _redis(app)
    if client is not None:
        from gateway.usage import redis_backend

        _quietly(redis_backend.add_call, client, app.config["ZC_USAGE_REDIS_PREFIX"], key, user)
        return
    if _recorder(app).add_call(key, user):
        _quietly(flush)


def record_share(app_id: int | None, site: str | None, source: str) -> None:
    """Count one share (source "api" or "button"; app_id None for a button with no app)."""
    if source not in SHARE_SOURCES:
        raise ValueError(f"share source must be one of {SHARE_SOURCES}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key: ShareKey = (int(app_id or 0), utcnow().date(), source, (site or "")[:255])
    client = _redis(app)
    if client is not None:
        from gateway.usage import redis_backend

        _quietly(redis_backend.add_share, client, app.config["ZC_USAGE_REDIS_PREFIX"], key)
        return
    if _recorder(app).add_share(key):
        _quietly(flush)


def flush() -> int:
    """Write every buffered count to the tables now; returns how many rows were upserted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    client = _redis(app)
    if client is not None:
        from gateway.usage import redis_backend

        return redis_backend.flush(client, app.config["ZC_USAGE_REDIS_PREFIX"], store.write)
    recorder = _recorder(app)
    batch = recorder.take()
    if not len(batch):
        return 0
    try:
        return store.write(batch.calls, batch.users, batch.shares)
    except Exception:
        recorder.give_back(batch)  # keep the counts for the next attempt
        raise


def _flush_if_due(exc: BaseException | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _redis(app) is None and _recorder(app).due():
        _quietly(flush)  # a failed flush keeps its counts for the next one


def init_app(app: Flask) -> None:
    """Give the app its recorder (Redis when REDIS_URL is set) and the flush-after-request hook."""
    app.config.setdefault("ZC_USAGE_FLUSH_EVERY", 1000)
    app.config.setdefault("ZC_USAGE_FLUSH_SECONDS", 10)
    app.config.setdefault("ZC_USAGE_REDIS_PREFIX", "zc:usage:")
    memory = MemoryRecorder(int(app.config["ZC_USAGE_FLUSH_EVERY"]),
                            float(app.config["ZC_USAGE_FLUSH_SECONDS"]))
    memory.background = not app.testing
    app.extensions["zc_usage"] = memory
    if app.config.get("REDIS_URL"):
        import redis

        app.extensions["zc_usage_redis"] = redis.Redis.from_url(app.config["REDIS_URL"])
    app.teardown_request(_flush_if_due)

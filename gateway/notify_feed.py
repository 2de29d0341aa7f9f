"""A PostgreSQL LISTEN feed for in-process caches: one connection per process and database.

`Feed` listens on a daemon thread and hands every message on its channel to the listeners
registered with it; while it is not connected, or has not heard from the database for
STALE_AFTER seconds, `healthy` is False and caches must answer nothing. Generic: it knows no
domain (the token store registers itself; triggers in migration 0060 send its messages).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import weakref
from typing import Protocol

from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

CHANNEL = "zc_token_cache"


class Listener(Protocol):
    """What a feed sends its messages to (a TokenCache)."""

    def apply(self, message: str) -> None: ...

    def clear(self) -> None: ...


class Feed:
    """One LISTEN connection per process and database, fanning notifications out to caches.

    The listener proves its connection alive every HEARTBEAT seconds; when it has not for
    STALE_AFTER seconds (a dead peer, a network partition) the caches stop answering, since a
    notification could be lost on the way.
    """

    HEARTBEAT = 1.0
    STALE_AFTER = 3.0

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.caches: weakref.WeakSet[Listener] = weakref.WeakSet()
        self.connected = False
        self.epoch = 0
        self.last_alive = 0.0
        self.fd: int | None = None
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def unread(self) -> bool:
        """Whether the listener's socket holds bytes not yet read (perhaps a notification the
        listener thread has not been scheduled to apply yet). One poll(2), no waiting."""
        fd = self.fd
        if fd is None:
            return True
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        try:
            return bool(poller.poll(0))
        except OSError:
            return True

    @property
    def healthy(self) -> bool:
        """Listening, and heard from the database within STALE_AFTER seconds."""
        return self.connected and time.monotonic() - self.last_alive < self.STALE_AFTER

    def ensure_running(self) -> None:
        """Start the listener thread in this process (after a fork, a new one)."""
        if self.pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self.pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            if self.pid != os.getpid():  # forked: the parent's listener is not ours
                self.pid, self.connected = os.getpid(), False
                self.epoch += 1
            self._thread = threading.Thread(target=self._run, name="zc-token-cache-feed",
                                            daemon=True)
            self._thread.start()

    def register(self, cache: Listener) -> None:
        """Send this feed's notifications to `cache` (held weakly: an app may go away)."""
        with self._lock:
            self.caches.add(cache)

    def _broadcast(self, message: str | None) -> None:
        with self._lock:
            caches = list(self.caches)
        for cache in caches:
            if message is None:
                cache.clear()
            else:
                cache.apply(message)

    def _run(self) -> None:
        import psycopg

        delay = 0.1
        while True:
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5,
                                     application_name="zc-token-cache", keepalives=1,
                                     keepalives_idle=5, keepalives_interval=2,
                                     keepalives_count=2) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Anything cached before this moment may have missed a notification.
                    self.epoch += 1
                    self._broadcast(None)
                    self.fd = conn.fileno()
                    self.last_alive, self.connected, delay = time.monotonic(), True, 0.1
                    while True:
                        for note in conn.notifies(timeout=self.HEARTBEAT):
                            self._broadcast(note.payload)
                        conn.execute("SELECT 1")  # a dead connection raises here
                        self.last_alive = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - any failure: stop trusting, retry
                log.warning("token cache listener lost its connection: %s",
                            type(exc).__name__)
            self.connected, self.fd = False, None
            self.epoch += 1
            self._broadcast(None)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


_feeds: dict[str, Feed] = {}
_feeds_lock = threading.Lock()


def feed_for(url: URL) -> Feed:
    """This process's feed for the database at `url` (one, shared by every app on it)."""
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with _feeds_lock:
        feed = _feeds.get(conninfo)
        if feed is None:
            feed = _feeds[conninfo] = Feed(conninfo)
    return feed

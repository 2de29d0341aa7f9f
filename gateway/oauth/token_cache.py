"""Recent token checks kept in memory, evicted the moment what they read changes.

A successful check of an access token reads one row (token, the user's grant, the user's
profile). `TokenCache` keeps that row for ZC_TOKEN_CACHE_TTL seconds so a client calling the API
again with the same token costs no database round trip. A cached row is only ever trusted while
every change to it is known to reach this process at once:

- changes made by this process are evicted synchronously, when their transaction commits
  (session events below: flushed rows and bulk UPDATE/DELETE statements);
- changes made by any other process (another worker, another machine, a CLI command, SQL typed
  by an operator) arrive through PostgreSQL LISTEN/NOTIFY: triggers (migration 0060) notify the
  channel `zc_token_cache` in the changing transaction, and one thread per process (`_Feed`)
  listens and evicts. While that listener is not connected the cache answers nothing, and
  everything cached before a disconnection is dropped (notifications may have been missed).

Only valid checks are cached; an unknown, revoked or expired token always goes to the database.
Each hit still checks expiry and the app's status. A read that raced with an eviction is not
stored (`ticket`/`put`), so a row read before a revocation can never be cached after it.

On databases without NOTIFY (SQLite) the cache is off unless ZC_TOKEN_CACHE_TTL is set
explicitly, which is only correct for a single process.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger(__name__)

CHANNEL = "zc_token_cache"
GrantKey = tuple[int | None, int]  # (user_id, app_id)


@dataclass(frozen=True)
class CachedCheck:
    """The columns a token check reads, as the database returned them for a valid token."""

    token_id: int
    user_id: int | None
    app_id: int
    openid: str | None
    scopes: tuple[str, ...]
    expires_at: datetime
    granted: tuple[str, ...] | None
    withdrawn: bool
    profile: tuple[Any, ...] | None  # the TokenUser fields, None for client tokens


@dataclass(frozen=True)
class Ticket:
    """Taken before a database read: `put` refuses the row if anything was evicted since."""

    epoch: int
    seq: int


class _Entry:
    __slots__ = ("check", "epoch", "loaded")

    def __init__(self, check: CachedCheck, epoch: int, loaded: float) -> None:
        self.check, self.epoch, self.loaded = check, epoch, loaded


class TokenCache:
    """Valid token checks by access-token digest, indexed by (user, app) for eviction."""

    def __init__(self, ttl: float, max_entries: int, feed: _Feed | None) -> None:
        self.ttl, self.max_entries, self.feed = ttl, max_entries, feed
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._by_grant: dict[GrantKey, set[str]] = {}
        self._seq = 0  # bumped by every eviction
        self._broad_seq = 0  # the last eviction that was not one (user, app) pair
        self._grant_seq: dict[GrantKey, int] = {}
        self.hits = self.misses = 0

    # -- reads -----------------------------------------------------------------------------

    def _epoch(self) -> int | None:
        """The feed's connection epoch, or None while changes could be missed."""
        if self.feed is None:
            return 0
        return self.feed.epoch if self.feed.healthy else None

    def get(self, digest: str) -> CachedCheck | None:
        """The cached check for a token digest, if still trustworthy."""
        entry = self._entries.get(digest)
        if entry is None:
            self.misses += 1
            return None
        if entry.epoch != self._epoch() or time.monotonic() - entry.loaded > self.ttl:
            with self._lock:
                self._drop(digest)
            self.misses += 1
            return None
        if self.feed is not None and self.feed.unread():
            self.misses += 1  # a notification is waiting for the listener: ask the database
            return None
        self.hits += 1
        return entry.check

    def ticket(self) -> Ticket | None:
        """Taken before reading the database; None when nothing read now may be stored."""
        epoch = self._epoch()
        return None if epoch is None else Ticket(epoch, self._seq)

    def put(self, digest: str, check: CachedCheck, ticket: Ticket | None) -> bool:
        """Store a valid check read after `ticket`, unless an eviction may have raced it."""
        if ticket is None:
            return False
        key = (check.user_id, check.app_id)
        with self._lock:
            if (ticket.epoch != self._epoch() or self._broad_seq > ticket.seq
                    or self._grant_seq.get(key, -1) > ticket.seq):
                return False
            if len(self._entries) >= self.max_entries:
                self._shrink()
            self._entries[digest] = _Entry(check, ticket.epoch, time.monotonic())
            self._by_grant.setdefault(key, set()).add(digest)
        return True

    # -- evictions ---------------------------------------------------------------------------

    def evict_grants(self, keys: Iterable[GrantKey]) -> None:
        """Drop every cached token of these (user, app) pairs."""
        with self._lock:
            self._seq += 1
            for key in keys:
                self._grant_seq[key] = self._seq
                for digest in self._by_grant.pop(key, ()):
                    self._entries.pop(digest, None)
            if len(self._grant_seq) > 4 * self.max_entries:
                self._grant_seq.clear()
                self._broad_seq = self._seq

    def evict_users(self, user_ids: Iterable[int]) -> None:
        """Drop every cached token of these users (profile or account changed)."""
        users = set(user_ids)
        self._evict_where(lambda key: key[0] in users)

    def evict_apps(self, app_ids: Iterable[int]) -> None:
        """Drop every cached token of these apps (status or permissions changed)."""
        apps = set(app_ids)
        self._evict_where(lambda key: key[1] in apps)

    def clear(self) -> None:
        """Drop everything (a bulk change, or a lost notification connection)."""
        self._evict_where(lambda _key: True)

    def _evict_where(self, match: Any) -> None:
        with self._lock:
            self._seq += 1
            self._broad_seq = self._seq
            for key in [k for k in self._by_grant if match(k)]:
                for digest in self._by_grant.pop(key):
                    self._entries.pop(digest, None)

    def _drop(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is not None:
            key = (entry.check.user_id, entry.check.app_id)
            digests = self._by_grant.get(key)
            if digests is not None:
                digests.discard(digest)
                if not digests:
                    del self._by_grant[key]

    def _shrink(self) -> None:
        """Full: drop the oldest tenth (insertion order)."""
        for digest in list(self._entries)[: max(1, self.max_entries // 10)]:
            self._drop(digest)

    def __len__(self) -> int:
        return len(self._entries)

    def apply(self, message: str) -> None:
        """One notification: `g<user>:<app>`, `u<user>` or `a<app>` (anything else: clear)."""
        kind, rest = message[:1], message[1:]
        try:
            if kind == "g":
                user, _, app = rest.partition(":")
                self.evict_grants([(int(user) if user else None, int(app))])
            elif kind == "u":
                self.evict_users([int(rest)])
            elif kind == "a":
                self.evict_apps([int(rest)])
                from gateway.oauth.services import forget_app

                forget_app(int(rest))
            else:
                self.clear()
        except ValueError:
            self.clear()


class _Feed:
    """One LISTEN connection per process and database, fanning notifications out to caches.

    The listener proves its connection alive every HEARTBEAT seconds; when it has not for
    STALE_AFTER seconds (a dead peer, a network partition) the caches stop answering, since a
    notification could be lost on the way.
    """

    HEARTBEAT = 1.0
    STALE_AFTER = 3.0

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()
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

    def register(self, cache: TokenCache) -> None:
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


_feeds: dict[str, _Feed] = {}
_feeds_lock = threading.Lock()


def _feed_for(url: URL) -> _Feed:
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with _feeds_lock:
        feed = _feeds.get(conninfo)
        if feed is None:
            feed = _feeds[conninfo] = _Feed(conninfo)
    return feed


def init_app(app: Flask, url: URL) -> None:
    """Give the app its cache: on PostgreSQL by default, elsewhere only when configured."""
    configured = app.config.get("ZC_TOKEN_CACHE_TTL")
    postgres = url.get_backend_name() == "postgresql"
    ttl = float(configured if configured is not None else (30 if postgres else 0))
    if ttl <= 0:
        app.extensions["zc_token_cache"] = None
        return
    feed = _feed_for(url) if postgres else None
    cache = TokenCache(ttl, int(app.config.get("ZC_TOKEN_CACHE_SIZE") or 100_000), feed)
    if feed is not None:
        feed.register(cache)
    app.extensions["zc_token_cache"] = cache


def current_cache() -> TokenCache | None:
    """This app's cache (None when off); starts the listener in this process on first use."""
    cache: TokenCache | None = current_app.extensions.get("zc_token_cache")
    if cache is not None and cache.feed is not None:
        cache.feed.ensure_running()
    return cache


# -- this process's own changes: evicted when their transaction commits ----------------------

_PENDING = "zc_token_cache_pending"
_TABLES = {"oauth_tokens", "authorizations", "users", "apps", "app_permissions"}
_GRANTING = {"authorizations", "app_permissions"}


@dataclass
class _Pending:
    grants: set[GrantKey]
    users: set[int]
    apps: set[int]
    everything: bool = False


def _pending(session: Session) -> _Pending:
    found = session.info.get(_PENDING)
    if found is None:
        found = session.info[_PENDING] = _Pending(set(), set(), set())
    return found  # type: ignore[no-any-return]


def _note_instances(session: Session, _context: Any, _instances: Any) -> None:
    from gateway.accounts.models import User
    from gateway.apps.models import App, AppPermission
    from gateway.authorizations.models import Authorization
    from gateway.oauth.models import OAuthToken

    changed = [*session.dirty, *session.deleted]
    if not changed:
        return
    pending = _pending(session)
    for obj in changed:
        if isinstance(obj, OAuthToken | Authorization):
            pending.grants.add((obj.user_id, obj.app_id))
        elif isinstance(obj, User):
            pending.users.add(obj.id)
        elif isinstance(obj, App):
            pending.apps.add(obj.id)
        elif isinstance(obj, AppPermission):
            pending.apps.add(obj.app_id)
    for obj in session.new:
        if isinstance(obj, Authorization):
            pending.grants.add((obj.user_id, obj.app_id))
        elif isinstance(obj, AppPermission):
            pending.apps.add(obj.app_id)


def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get("zc_token_cache_neutral"):
        return  # e.g. a grant's last-used time: nothing a token check reads
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name in (_GRANTING if state.is_insert else _TABLES):  # a new token changes no check
        _pending(state.session).everything = True


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: evict when the whole transaction commits
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None or not has_app_context():
        return
    cache: TokenCache | None = current_app.extensions.get("zc_token_cache")
    if cache is None:
        return
    if pending.everything:
        cache.clear()
        return
    if pending.grants:
        cache.evict_grants(pending.grants)
    if pending.users:
        cache.evict_users(pending.users)
    if pending.apps:
        cache.evict_apps(pending.apps)
        from gateway.oauth.services import forget_app

        for app_id in pending.apps:
            forget_app(app_id)


def listen_for_local_changes() -> None:
    """Register the session events once per process."""
    if getattr(listen_for_local_changes, "done", False):
        return
    event.listen(Session, "before_flush", _note_instances)
    event.listen(Session, "do_orm_execute", _note_statement)
    # No rollback hook: what a rolled-back transaction noted is evicted at the session's next
    # commit (a wasted eviction at worst, never a missed one).
    event.listen(Session, "after_commit", _after_commit)
    listen_for_local_changes.done = True  # type: ignore[attr-defined]

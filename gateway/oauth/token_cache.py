"""Recent token checks kept in memory, evicted the moment what they read changes.

A successful check of an access token reads one row (token, the user's grant, the user's
profile). `TokenCache` keeps that row for ZC_TOKEN_CACHE_TTL seconds so a client calling the API
again with the same token costs no database round trip. A cached row is only ever trusted while
every change to it is known to reach this process at once:

- changes made by this process are evicted synchronously, when their transaction commits
  (`token_cache_events`: flushed rows and bulk UPDATE/DELETE statements);
- changes made by any other process (another worker, another machine, a CLI command, SQL typed
  by an operator) arrive through PostgreSQL LISTEN/NOTIFY: triggers (migration 0060) notify the
  channel `zc_token_cache` in the changing transaction, and one thread per process
  (`token_feed.Feed`) listens and evicts. While that listener is not connected the cache
  answers nothing, and everything cached before a disconnection is dropped (notifications may
  have been missed).

Only valid checks are cached; an unknown, revoked or expired token always goes to the database.
Each hit still checks expiry and the app's status. A read that raced with an eviction is not
stored (`ticket`/`put`), so a row read before a revocation can never be cached after it.

On databases without NOTIFY (SQLite) the cache is off unless ZC_TOKEN_CACHE_TTL is set
explicitly, which is only correct for a single process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import URL

from gateway.oauth.token_feed import Feed, feed_for

GrantKey = tuple[int | None, int]  # (user_id, app_id)


@dataclass(frozen=True)
class TokenUser:
    """The profile columns of the user a token speaks for, read with the token itself."""

    username: str
    nickname: str
    gender: str | None
    province: str
    city: str
    birth_year: int | None
    avatar_key: str

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


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
    user: TokenUser | None  # None for client tokens


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

    def __init__(self, ttl: float, max_entries: int, feed: Feed | None) -> None:
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

    def forget(self, grants: Iterable[GrantKey] = (), users: Iterable[int] = (),
               apps: Iterable[int] = ()) -> None:
        """Drop what these changes touched (apps: their cached facts too)."""
        grants, users, apps = set(grants), set(users), set(apps)
        if grants:
            self.evict_grants(grants)
        if users:
            self.evict_users(users)
        if apps:
            self.evict_apps(apps)
            from gateway.oauth.services import forget_app

            for app_id in apps:
                forget_app(app_id)

    def apply(self, message: str) -> None:
        """One notification: `g<user>:<app>`, `u<user>` or `a<app>` (anything else: clear)."""
        kind, rest = message[:1], message[1:]
        try:
            if kind == "g":
                user, _, app = rest.partition(":")
                self.forget(grants=[(int(user) if user else None, int(app))])
            elif kind == "u":
                self.forget(users=[int(rest)])
            elif kind == "a":
                self.forget(apps=[int(rest)])
            else:
                self.clear()
        except ValueError:
            self.clear()


def init_app(app: Flask, url: URL) -> None:
    """Give the app its cache: on PostgreSQL by default, elsewhere only when configured."""
    configured = app.config.get("ZC_TOKEN_CACHE_TTL")
    postgres = url.get_backend_name() == "postgresql"
    ttl = float(configured if configured is not None else (30 if postgres else 0))
    if ttl <= 0:
        app.extensions["zc_token_cache"] = None
        return
    feed = feed_for(url) if postgres else None
    cache = TokenCache(ttl, int(app.config.get("ZC_TOKEN_CACHE_SIZE") or 100_000), feed)
    if feed is not None:
        feed.register(cache)
    app.extensions["zc_token_cache"] = cache


def installed_cache() -> TokenCache | None:
    """This app's cache (None when off), without starting a listener."""
    cache: TokenCache | None = current_app.extensions.get("zc_token_cache")
    return cache


def current_cache() -> TokenCache | None:
    """This app's cache (None when off); starts the listener in this process on first use."""
    cache = installed_cache()
    if cache is not None and cache.feed is not None:
        cache.feed.ensure_running()
    return cache

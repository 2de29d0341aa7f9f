"""Valid access checks kept in memory, indexed by (user, app) for eviction.

Entries are trusted only while every change to what they read is known to reach this process
at once (gateway/oauth/store/cached.py decides when: the NOTIFY feed is connected and current,
or a single-process configuration). Only valid checks are stored; each hit still checks expiry
and the app's status. A read that raced with an eviction is not stored (`ticket`/`put`), so a
row read before a revocation can never be cached after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gateway.notify_feed import Feed
from gateway.oauth.store import AccessCheck, GrantKey


@dataclass(frozen=True)
class Ticket:
    """Taken before a database read: `put` refuses the row if anything was evicted since."""

    epoch: int
    seq: int


class _Entry:
    __slots__ = ("check", "epoch", "loaded")

    def __init__(self, check: AccessCheck, epoch: int, loaded: float) -> None:
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

    def epoch(self) -> int | None:
        """The feed's connection epoch, or None while changes could be missed."""
        if self.feed is None:
            return 0
        return self.feed.epoch if self.feed.healthy else None

    def get(self, digest: str) -> AccessCheck | None:
        """The cached check for a token digest, if still trustworthy."""
        entry = self._entries.get(digest)
        if entry is None:
            self.misses += 1
            return None
        if entry.epoch != self.epoch() or time.monotonic() - entry.loaded > self.ttl:
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
        epoch = self.epoch()
        return None if epoch is None else Ticket(epoch, self._seq)

    def put(self, digest: str, check: AccessCheck, ticket: Ticket | None) -> bool:
        """Store a valid check read after `ticket`, unless an eviction may have raced it."""
        if ticket is None:
            return False
        key = (check.user_id, check.app_id)
        with self._lock:
            if (ticket.epoch != self.epoch() or self._broad_seq > ticket.seq
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

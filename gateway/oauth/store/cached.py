"""The caching token store: access checks and client facts in memory, one eviction API.

Wraps the SQL or PostgreSQL store. What it keeps, and when it trusts it:

- valid access checks (`TokenCache`), for ZC_TOKEN_CACHE_TTL seconds, only while every change
  is known to reach this process at once: on PostgreSQL, while the NOTIFY feed is connected and
  current; elsewhere only when ZC_TOKEN_CACHE_TTL is set (one process);
- client facts (status, keys, granted scopes), by app: on PostgreSQL under the same feed rule
  (held until evicted); without a feed for ZC_APP_CACHE_TTL seconds.

Every eviction goes through `forget(grants, users, apps)`: this process's commits call it
(gateway/oauth/store/events.py), other processes' changes arrive as NOTIFY messages (`apply`),
and a statement that committed on its own (the one-statement refresh) calls it directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from gateway.notify_feed import Feed
from gateway.oauth.clients import ClientFacts
from gateway.oauth.store import AccessCheck, Claimed, GrantKey, NewPair, TokenStore
from gateway.oauth.store.cache import TokenCache
from gateway.timeutil import utcnow


class _Facts:
    __slots__ = ("epoch", "facts", "loaded", "seq")

    def __init__(self, facts: ClientFacts | None, epoch: int | None, loaded: float) -> None:
        self.facts, self.epoch, self.loaded = facts, epoch, loaded


class CachedStore:
    """A TokenStore that answers hot reads from memory and owns every eviction."""

    def __init__(self, inner: TokenStore, tokens: TokenCache | None, feed: Feed | None,
                 facts_ttl: float) -> None:
        self.inner, self.tokens, self.feed, self.facts_ttl = inner, tokens, feed, facts_ttl
        self._lock = threading.Lock()
        self._facts: dict[int, _Facts] = {}
        self._appids: dict[str, int] = {}
        self._facts_seq = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # every write, and the rarer reads, as is

    def _running(self) -> None:
        if self.feed is not None:
            self.feed.ensure_running()

    # -- client facts ----------------------------------------------------------------------------

    def _feed_epoch(self) -> int | None:
        if self.feed is None:
            return 0
        return self.feed.epoch if self.feed.healthy and not self.feed.unread() else None

    def _trusted(self, entry: _Facts | None) -> bool:
        if entry is None:
            return False
        if self.feed is None:
            return time.monotonic() - entry.loaded < self.facts_ttl
        return entry.epoch is not None and entry.epoch == self._feed_epoch()

    def _remember(self, app_id: int, facts: ClientFacts | None, epoch: int | None,
                  seq: int) -> None:
        if epoch is None or (self.feed is None and self.facts_ttl <= 0):
            return
        with self._lock:
            if seq != self._facts_seq:
                return  # an eviction raced this read
            self._facts[app_id] = _Facts(facts, epoch, time.monotonic())
            if facts is not None:
                self._appids[facts.appid] = app_id

    def client(self, appid: str) -> ClientFacts | None:
        self._running()
        app_id = self._appids.get(appid)
        entry = self._facts.get(app_id) if app_id is not None else None
        if entry is not None and self._trusted(entry) and entry.facts is not None:
            return entry.facts
        epoch, seq = self._feed_epoch(), self._facts_seq
        facts = self.inner.client(appid)
        if facts is not None:
            self._remember(facts.app_id, facts, epoch, seq)
        return facts

    def client_by_id(self, app_id: int) -> ClientFacts | None:
        self._running()
        entry = self._facts.get(app_id)
        if entry is not None and self._trusted(entry):
            return entry.facts
        epoch, seq = self._feed_epoch(), self._facts_seq
        facts = self.inner.client_by_id(app_id)
        self._remember(app_id, facts, epoch, seq)
        return facts

    # -- access checks ---------------------------------------------------------------------------

    def access_check(self, access_digest: str) -> AccessCheck | None:
        self._running()
        cache = self.tokens
        check = cache.get(access_digest) if cache is not None else None
        if check is not None:
            return check
        ticket = cache.ticket() if cache is not None else None
        check = self.inner.access_check(access_digest)
        if (cache is not None and check is not None and not check.revoked
                and check.expires_at > utcnow()):
            cache.put(access_digest, check, ticket)
        return check

    # -- writes that commit on their own ---------------------------------------------------------

    def claim_for_client(self, refresh_digest: str, app_id: int, pair: NewPair,
                         family_cutoff: datetime) -> Claimed | None:
        claimed = self.inner.claim_for_client(refresh_digest, app_id, pair, family_cutoff)
        if claimed is not None:  # committed already, or noted for the session's commit
            self.forget(grants=[(claimed.user_id, app_id)])
        return claimed

    # -- evictions -------------------------------------------------------------------------------

    def forget(self, grants: Iterable[GrantKey] = (), users: Iterable[int] = (),
               apps: Iterable[int] = ()) -> None:
        """Drop what these changes touched: tokens of (user, app) pairs, of users, of apps, and
        the apps' client facts."""
        grants, users, apps = set(grants), set(users), set(apps)
        if self.tokens is not None:
            if grants:
                self.tokens.evict_grants(grants)
            if users:
                self.tokens.evict_users(users)
            if apps:
                self.tokens.evict_apps(apps)
        if apps:
            with self._lock:
                self._facts_seq += 1
                for app_id in apps:
                    self._facts.pop(app_id, None)

    def clear(self) -> None:
        """Drop everything (a bulk change, a lost feed connection, a test's fresh start)."""
        if self.tokens is not None:
            self.tokens.clear()
        with self._lock:
            self._facts_seq += 1
            self._facts.clear()
            self._appids.clear()

    def apply(self, message: str) -> None:
        """One NOTIFY message: `g<user>:<app>`, `u<user>` or `a<app>` (anything else: clear)."""
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

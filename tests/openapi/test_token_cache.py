"""The token cache: a second call with a token reads nothing from the database, and every change
a check depends on (revocation, withdrawn consent, a new nickname, a suspended app) is seen at
once. On PostgreSQL also: a change made outside this process arrives by NOTIFY, and a lost
listener connection makes the cache stop answering."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event

from gateway import create_app
from gateway.accounts import services as accounts
from gateway.authorizations import services as authorizations
from gateway.developers import review
from gateway.extensions import db
from gateway.oauth.models import OAuthToken
from gateway.oauth.store import AccessCheck
from gateway.oauth.store.cache import TokenCache
from gateway.oauth.store.cached import CachedStore
from gateway.oauth.store.sql import SqlStore
from gateway.timeutil import utcnow
from tests.conftest import BASE_CONFIG, POSTGRES_URL


@pytest.fixture
def app_config() -> dict[str, Any]:
    # On SQLite the cache is off unless configured (one process only): configured here, so the
    # same tests run on both databases. App facts keep their production cache too.
    return {"ZC_TOKEN_CACHE_TTL": 30, "ZC_APP_CACHE_TTL": 5,
            "ZC_BASE_URL": "https://zc.example"}


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def current_cache() -> TokenCache | None:
    """This app's cache of access checks (None when off), its listener started."""
    store = current_app.extensions["zc_token_store"]
    if store.feed is not None:
        store.feed.ensure_running()
    return store.tokens  # type: ignore[no-any-return]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _warm(client: Any, token: str) -> None:
    """Call until the check is served from the cache (on PostgreSQL the listener must be up)."""
    cache = current_cache()
    assert cache is not None

    def cached() -> bool:
        assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
        return len(cache) > 0 and cache.hits > 0

    assert _wait_until(cached), "the token check was never cached"


# -- in-process behaviour, both databases ----------------------------------------------------


def test_a_repeated_call_reads_nothing_and_answers_the_same(client, world) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    first = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    with counted_statements() as statements:
        again = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert statements == []
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert again.get_json()["nickname"] == "小明"


def test_revocation_through_the_endpoint_is_seen_at_once(client, world) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    import base64
    basic = base64.b64encode(f"{world.app.appid}:{world.appkey}".encode()).decode()
    revoked = client.post("/oauth2/revoke", data={"token": issued.access_token},
                          headers={"Authorization": f"Basic {basic}"})
    assert revoked.status_code == 200
    after = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert after.status_code == 401 and after.get_json()["ret"] == 100015


def test_a_refresh_retires_the_old_access_token_at_once_and_only_that_pair(client, world,
                                                                            factory) -> None:
    import base64

    issued = world.token(["get_user_info"])
    other_user = factory.user("bob", nickname="Bob")
    other = world.token(["get_user_info"], user=other_user)
    _warm(client, issued.access_token)
    _warm(client, other.access_token)
    basic = base64.b64encode(f"{world.app.appid}:{world.appkey}".encode()).decode()
    refreshed = client.post("/oauth2/token", headers={"Authorization": f"Basic {basic}"},
                            data={"grant_type": "refresh_token",
                                  "refresh_token": issued.refresh_token})
    assert refreshed.status_code == 200
    old = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert old.status_code == 401 and old.get_json()["ret"] == 100015
    new = refreshed.get_json()["access_token"]
    assert client.get("/api/v1/me", headers=_bearer(new)).status_code == 200
    cache = current_cache()
    assert cache is not None
    hits = cache.hits
    with counted_statements() as statements:  # bob's check was not evicted by alice's refresh
        assert client.get("/api/v1/me", headers=_bearer(other.access_token)).status_code == 200
    assert statements == [] and cache.hits == hits + 1


def test_withdrawn_consent_is_seen_at_once(client, world) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    authorizations.revoke(world.user.id, world.app.id)
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(issued.access_token)).status_code in {401,
                                                                                          403}


def test_a_new_nickname_is_served_at_once(client, world) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    accounts.update_profile(world.user, nickname="新名字", gender="female", province="广东",
                            city="深圳", birth_year=1990, feed_visibility="public")
    db.session.commit()
    body = client.get("/api/v1/me", headers=_bearer(issued.access_token)).get_json()
    assert body["nickname"] == "新名字"


def test_a_suspended_app_is_refused_at_once(client, world, factory) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    operator = factory.user("opal", is_admin=True)
    review.suspend_app(world.app, operator, "abuse")
    db.session.commit()
    after = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert after.status_code in {401, 403}


def test_an_expired_cached_token_is_refused(client, world, monkeypatch) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    later = utcnow() + timedelta(days=365)
    monkeypatch.setattr("gateway.oauth.services.utcnow", lambda: later)
    after = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert after.status_code == 401 and after.get_json()["ret"] == 100014


def test_a_rolled_back_change_keeps_nothing_stale(client, world) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    row = db.session.get(OAuthToken, issued.row.id)
    row.revoked_at = utcnow()
    db.session.flush()
    db.session.rollback()  # never happened: the token still works
    assert client.get("/api/v1/me", headers=_bearer(issued.access_token)).status_code == 200
    row = db.session.get(OAuthToken, issued.row.id)
    row.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(issued.access_token)).status_code == 401


def test_off_when_configured_zero(database_url) -> None:
    flask_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                            "ZC_TOKEN_CACHE_TTL": 0})
    with flask_app.app_context():
        assert current_cache() is None
        db.engine.dispose()


def test_sqlite_is_off_by_default(tmp_path) -> None:
    flask_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI":
                            f"sqlite:///{tmp_path}/x.db"})
    with flask_app.app_context():
        assert current_cache() is None


# -- the cache itself ------------------------------------------------------------------------


def _check(user_id: int | None = 1, app_id: int = 7, token_id: int = 1) -> AccessCheck:
    return AccessCheck(token_id=token_id, user_id=user_id, app_id=app_id, openid="O",
                       scopes=("get_user_info",), created_at=datetime(2026, 1, 1),
                       expires_at=datetime(2099, 1, 1), revoked=False,
                       granted=("get_user_info",), withdrawn=False, user=None)


def test_a_read_that_raced_an_eviction_is_not_stored() -> None:
    cache = TokenCache(ttl=30, max_entries=100, feed=None)
    ticket = cache.ticket()
    cache.evict_grants([(1, 7)])  # a revocation committed while the row was being read
    assert cache.put("d1", _check(), ticket) is False
    assert cache.get("d1") is None
    # another user's grant changing does not stop this one from being stored
    ticket = cache.ticket()
    cache.evict_grants([(2, 7)])
    assert cache.put("d1", _check(), ticket) is True
    assert cache.get("d1") == _check()
    ticket = cache.ticket()
    cache.evict_users([99])  # broad evictions refuse every racing read
    assert cache.put("d2", _check(token_id=2), ticket) is False


def test_notifications_evict_what_they_name() -> None:
    cache = TokenCache(ttl=30, max_entries=100, feed=None)
    store = CachedStore(SqlStore(), cache, None, 0)
    for digest, check in {"a": _check(1, 7, 1), "b": _check(2, 7, 2), "c": _check(1, 8, 3),
                          "d": _check(None, 9, 4)}.items():
        assert cache.put(digest, check, cache.ticket())
    store.apply("g1:7")
    assert (cache.get("a"), cache.get("b") is not None) == (None, True)
    store.apply("g:9")  # a client-credentials token (no user)
    assert cache.get("d") is None
    store.apply("u1")
    assert cache.get("c") is None and cache.get("b") is not None
    store.apply("a7")
    assert cache.get("b") is None
    assert cache.put("e", _check(3, 10, 5), cache.ticket())
    store.apply("g-nonsense")  # unreadable: drop everything rather than guess
    assert len(cache) == 0


def test_entries_expire_and_the_cache_stays_bounded() -> None:
    cache = TokenCache(ttl=0.05, max_entries=10, feed=None)
    assert cache.put("x", _check(), cache.ticket())
    time.sleep(0.06)
    assert cache.get("x") is None
    cache.ttl = 30
    for n in range(25):
        cache.put(f"t{n}", _check(n, 1, n), cache.ticket())
    assert len(cache) <= 10
    assert cache.get("t24") is not None


class _DeadFeed:
    healthy = False
    epoch = 3

    def unread(self) -> bool:
        return False


def test_nothing_is_served_or_stored_while_the_listener_is_down() -> None:
    feed: Any = _DeadFeed()
    cache = TokenCache(ttl=30, max_entries=10, feed=feed)
    assert cache.ticket() is None
    assert cache.put("x", _check(), cache.ticket()) is False
    feed.healthy = True
    assert cache.put("x", _check(), cache.ticket())
    feed.epoch += 1  # reconnected: notifications may have been missed in between
    assert cache.get("x") is None


def test_a_notification_not_yet_applied_sends_the_check_to_the_database() -> None:
    """Bytes waiting on the listener's socket (its thread not scheduled yet): no cache hit."""
    import socket

    from gateway.notify_feed import Feed

    ours, theirs = socket.socketpair()
    try:
        feed = Feed("postgresql://unused")
        feed.fd, feed.connected, feed.last_alive = ours.fileno(), True, time.monotonic()
        cache = TokenCache(ttl=30, max_entries=10, feed=feed)
        assert cache.put("x", _check(), cache.ticket())
        assert cache.get("x") == _check()
        theirs.send(b"A")  # a NotificationResponse arriving
        assert cache.get("x") is None
        ours.recv(1)  # the listener read it
        assert cache.get("x") == _check()
    finally:
        ours.close()
        theirs.close()


# -- across processes: PostgreSQL NOTIFY -----------------------------------------------------

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="LISTEN/NOTIFY needs PostgreSQL")


@needs_postgres
def test_a_change_made_elsewhere_arrives_by_notify(client, world) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    # An operator's SQL, on its own connection: nothing in this process's session sees it.
    other = sa.create_engine(POSTGRES_URL)
    try:
        with other.begin() as conn:
            conn.execute(sa.text("UPDATE oauth_tokens SET revoked_at = now() WHERE id = :id"),
                         {"id": issued.row.id})
        started = time.monotonic()
        assert _wait_until(lambda: client.get(
            "/api/v1/me", headers=_bearer(issued.access_token)).status_code == 401, 2.0)
        assert time.monotonic() - started < 2.0
    finally:
        other.dispose()


@needs_postgres
def test_a_lost_listener_stops_the_cache_until_it_is_back(client, world) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    cache = current_cache()
    assert cache is not None and cache.feed is not None
    epoch = cache.feed.epoch
    other = sa.create_engine(POSTGRES_URL)
    try:
        with other.begin() as conn:
            killed = conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'zc-token-cache' AND datname = current_database()"
            )).scalars().all()
        assert killed and all(killed)
        assert _wait_until(lambda: cache.feed.epoch > epoch)
        assert len(cache) == 0 or cache.feed.epoch != epoch
        # back: the listener reconnects by itself and the cache serves again
        _warm(client, issued.access_token)
    finally:
        other.dispose()

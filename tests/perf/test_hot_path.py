"""The token-check hot path: one SQL statement per user-info call, app facts cached per process,
and revocation and suspension still refused at once."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gateway.developers.review import suspend_app
from gateway.extensions import db
from gateway.oauth import services
from tests.fuzz.conftest import FuzzWorld

pytestmark = pytest.mark.usefixtures("forget_cached_apps")


@pytest.fixture
def app_config() -> dict[str, Any]:
    """App facts cached for a minute: what must stay immediate cannot lean on a short TTL.
    The token cache is off: these tests count the statements of an uncached check (the cached
    one sends none: tests/openapi/test_token_cache.py)."""
    return {"ZC_APP_CACHE_TTL": 60, "ZC_TOKEN_CACHE_TTL": 0, "ZC_BASE_URL": "https://zc.example",
            "ZC_API_RATE_LIMIT": "1000000 per minute"}


@pytest.fixture
def forget_cached_apps(app: Flask) -> Iterator[None]:
    """Start and end with nothing cached (each app has its own store; this one is explicit)."""
    services.forget_app()
    yield
    services.forget_app()


@pytest.fixture
def statements(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the test runs, through SQLAlchemy or straight
    to psycopg (the PostgreSQL token store's prepared reads)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    if db.engine.dialect.name == "postgresql":
        import psycopg

        execute = psycopg.Connection.execute

        def driver_execute(conn: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(str(query))
            return execute(conn, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Connection, "execute", driver_execute)
    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(db.engine, "before_cursor_execute", record)


def _feed_listening(app: Flask) -> None:
    feed = app.extensions["zc_token_store"].feed
    if feed is None:
        return
    feed.ensure_running()
    deadline = time.monotonic() + 10
    while not feed.healthy and time.monotonic() < deadline:
        time.sleep(0.02)
    assert feed.healthy


def user_info(client: FlaskClient, world: FuzzWorld) -> dict[str, Any]:
    response = client.get("/user/get_user_info", query_string={
        "access_token": world.access_token, "oauth_consumer_key": world.appid,
        "openid": world.openid})
    assert response.status_code == 200
    return dict(response.get_json(force=True))


def test_user_info_costs_one_query_once_the_app_is_cached(
        client: FlaskClient, fuzz_world: FuzzWorld, statements: list[str]) -> None:
    """Token, grant and user come from one indexed query; app facts from the process cache."""
    assert user_info(client, fuzz_world)["ret"] == 0  # warms the app cache, touches the grant
    _feed_listening(client.application)  # PostgreSQL: facts are trusted while NOTIFY listens
    assert user_info(client, fuzz_world)["ret"] == 0
    statements.clear()
    body = user_info(client, fuzz_world)
    assert body["ret"] == 0 and body["nickname"] == "小明"
    assert len(statements) == 1, statements
    assert "oauth_tokens.access_digest" in statements[0] and "users" in statements[0]
    statements.clear()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {fuzz_world.access_token}"})
    assert me.status_code == 200 and me.get_json()["openid"] == fuzz_world.openid
    assert len(statements) == 1, statements


def test_revocation_is_refused_at_once_while_the_app_is_cached(
        client: FlaskClient, fuzz_world: FuzzWorld) -> None:
    """The cache holds app facts only: a revoked token fails on the very next call."""
    assert user_info(client, fuzz_world)["ret"] == 0
    services.revoke_tokens_for(fuzz_world.user.id, fuzz_world.app.id)
    db.session.commit()
    assert user_info(client, fuzz_world) == {"ret": 100015, "msg": "access token revoked"}


def test_suspension_is_refused_at_once_while_the_app_is_cached(
        client: FlaskClient, fuzz_world: FuzzWorld, factory: Any) -> None:
    """Suspending an app revokes its tokens, so even a worker with fresh cached facts refuses."""
    assert user_info(client, fuzz_world)["ret"] == 0
    operator = factory.user("operator")
    suspend_app(fuzz_world.app, operator, "abuse")
    db.session.commit()
    assert user_info(client, fuzz_world)["ret"] == 100015
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {fuzz_world.access_token}"})
    assert me.status_code == 401 and me.get_json()["ret"] == 100015


def test_tokens_are_found_by_a_unique_index_on_the_digest(app: Flask) -> None:
    """Lookups stay flat with millions of tokens: access and refresh digests are indexed."""
    inspector = sa.inspect(db.engine)
    unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints("oauth_tokens")}
    unique |= {tuple(i["column_names"]) for i in inspector.get_indexes("oauth_tokens")
               if i.get("unique")}
    assert ("access_digest",) in unique and ("refresh_digest",) in unique


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
class TestPool:
    """PostgreSQL pool: sizes from config, and a dead pooled connection replaced unseen."""

    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"ZC_DB_POOL_SIZE": 3, "ZC_DB_MAX_OVERFLOW": 2, "ZC_DB_PING_AFTER_IDLE": 0,
                "ZC_APP_CACHE_TTL": 0, "ZC_BASE_URL": "https://zc.example"}

    def test_pool_sizes_come_from_config(self, app: Flask) -> None:
        assert db.engine.pool.size() == 3  # type: ignore[attr-defined]
        assert db.engine.pool._max_overflow == 2  # type: ignore[attr-defined]

    def test_a_killed_connection_is_replaced_before_a_request_uses_it(
            self, client: FlaskClient, fuzz_world: FuzzWorld) -> None:
        assert user_info(client, fuzz_world)["ret"] == 0
        db.session.remove()  # every pooled connection is now idle in the pool
        admin = sa.create_engine(os.environ["TEST_DATABASE_URL"], poolclass=sa.NullPool)
        with admin.connect() as conn:
            killed = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state = 'idle'")).scalar()
        admin.dispose()
        assert killed and killed >= 1
        assert user_info(client, fuzz_world)["ret"] == 0

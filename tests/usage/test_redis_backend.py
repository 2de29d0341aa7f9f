"""With REDIS_URL the counters live in Redis until `flush` moves them into the tables."""

from __future__ import annotations

import secrets

import pytest
import redis
from sqlalchemy import select

from gateway.extensions import db
from gateway.usage import recorder
from gateway.usage.models import ActiveUserDaily, ApiCallDaily, ShareDaily

REDIS_URL = "redis://127.0.0.1:6379/0"
PREFIX = f"zc:test-usage:{secrets.token_hex(6)}:"


def _redis_up() -> bool:
    probe = redis.Redis.from_url(REDIS_URL, socket_timeout=0.5)
    try:
        return bool(probe.ping())
    except redis.RedisError:
        return False
    finally:
        probe.close()


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"REDIS_URL": REDIS_URL, "ZC_USAGE_REDIS_PREFIX": PREFIX}


def test_counts_go_through_redis_and_flush_into_the_tables(app) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        recorder.record_call(1, "get_user_info", 5, True)
        recorder.record_call(1, "get_user_info", 5, False)
        recorder.record_call(1, "get_user_info", 6, True)
        recorder.record_share(1, "site.example", "button")
        assert db.session.scalar(select(ApiCallDaily)) is None
        assert client.exists(PREFIX + "calls") and client.scard(PREFIX + "users") == 2
        assert recorder.flush() == 4
        assert not client.keys(PREFIX + "*")  # moved, nothing left behind
        db.session.expire_all()
        row = db.session.scalar(select(ApiCallDaily))
        assert (row.ok_count, row.error_count) == (2, 1)
        assert len(list(db.session.scalars(select(ActiveUserDaily)))) == 2
        assert db.session.scalar(select(ShareDaily.count)) == 1
        recorder.record_call(1, "get_user_info", 5, True)
        recorder.flush()
        db.session.expire_all()
        assert db.session.scalar(select(ApiCallDaily.ok_count)) == 3
        assert recorder.flush() == 0
    finally:
        for key in client.keys(PREFIX + "*"):
            client.delete(key)
        client.close()
        app.extensions["zc_usage_redis"].close()

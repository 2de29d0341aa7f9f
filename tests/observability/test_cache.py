"""The shared cache: the in-process backend, and Redis when it answers."""

from __future__ import annotations

import time

import pytest

from gateway import cache as cache_module
from gateway.cache import MemoryCache, RedisCache, get_cache

REDIS_TEST_URL = "redis://127.0.0.1:6379/13"


def _redis_or_skip() -> RedisCache:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    return RedisCache(REDIS_TEST_URL)


def _exercise(cache) -> None:
    assert cache.get("absent") is None
    cache.set("k", {"a": [1, "x"]}, ttl=60)
    assert cache.get("k") == {"a": [1, "x"]}
    cache.set("k", "replaced", ttl=60)
    assert cache.get("k") == "replaced"
    cache.delete("k")
    cache.delete("k")
    assert cache.get("k") is None
    cache.set("short", 1, ttl=1)
    time.sleep(1.1)
    assert cache.get("short") is None
    with pytest.raises(ValueError):
        cache.set("k", 1, ttl=0)
    # add: set only when absent (the DPoP jti record: first use wins, in every instance)
    assert cache.add("once", 1, ttl=60) is True
    assert cache.add("once", 2, ttl=60) is False and cache.get("once") == 1
    cache.delete("once")
    assert cache.add("once", 3, ttl=60) is True
    cache.delete("once")
    with pytest.raises(ValueError):
        cache.add("k", 1, ttl=0)


def test_memory_cache():
    _exercise(MemoryCache())


def test_memory_cache_bounded():
    cache = MemoryCache(max_entries=3)
    for n in range(5):
        cache.set(f"k{n}", n, ttl=60)
    assert cache.get("k0") is None and cache.get("k4") == 4


def test_redis_cache_shared_between_instances():
    first = _redis_or_skip()
    second = RedisCache(REDIS_TEST_URL)
    try:
        _exercise(first)
        first.set("shared", "v", ttl=30)
        assert second.get("shared") == "v"
    finally:
        first.delete("shared")


def test_app_picks_backend(app):
    assert isinstance(get_cache(), MemoryCache)  # tests run without REDIS_URL
    assert isinstance(cache_module.build("redis://127.0.0.1:6379/13"), RedisCache)

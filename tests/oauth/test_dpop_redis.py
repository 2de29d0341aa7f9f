"""DPoP replay across instances (RFC 9449 §11.1): with REDIS_URL, a proof one instance accepted
is refused by every other; without it each process keeps its own record."""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask

from gateway import create_app
from gateway.extensions import db
from tests.conftest import BASE_CONFIG, IsolatedClient
from tests.oauth.dpop_helpers import Holder, native_tokens

REDIS_URL = "redis://127.0.0.1:6379/3"


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
def app_config() -> dict[str, Any]:
    return {"REDIS_URL": REDIS_URL}


def _instance(database_url: str, **config: Any) -> Iterator[Flask]:
    other = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def second(database_url: str) -> Iterator[Flask]:
    """Another instance of the platform on the same database and Redis."""
    yield from _instance(database_url, REDIS_URL=REDIS_URL)


@pytest.fixture
def alone(database_url: str) -> Iterator[Flask]:
    """An instance on the same database without Redis (its own in-process record)."""
    yield from _instance(database_url)


def _me(app: Flask, token: str, proof: str) -> Any:
    client = app.test_client()
    return contextvars.Context().run(client.get, "/api/v1/me", headers={
        "Authorization": f"DPoP {token}", "DPoP": proof})


def test_a_proof_used_on_one_instance_is_refused_by_another(app, client, browser, world,
                                                            second, alone) -> None:
    holder = Holder()
    token = native_tokens(client, browser, world.native, holder)["access_token"]
    proof = holder.proof("GET", "/api/v1/me", token=token, jti=secrets.token_urlsafe(24))
    assert _me(app, token, proof).status_code == 200
    replayed = _me(second, token, proof)
    assert replayed.status_code == 401
    assert replayed.get_json()["error"] == "invalid_dpop_proof"
    assert "already used" in replayed.get_json()["error_description"]
    # The record is Redis's, not a process's: an instance without Redis never saw it.
    assert _me(alone, token, proof).status_code == 200
    assert _me(alone, token, proof).status_code == 401  # ...but keeps its own
    fresh = holder.proof("GET", "/api/v1/me", token=token)
    assert _me(second, token, fresh).status_code == 200

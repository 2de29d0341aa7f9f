"""Retry policy: what is retried, how often, and how long the client waits."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from conftest import FakeClock
from fakes import FakeProvider, error, order_json

from zoneconnect import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    OAuthError,
    RateLimitError,
    Token,
)
from zoneconnect._retry import MAX_RETRY_DELAY, backoff_delay, parse_retry_after

ORDER = "/api/v1/payments/orders/ord_1"
ORDERS = "/api/v1/payments/orders"


def ok_order() -> httpx.Response:
    return httpx.Response(200, json=order_json())


def test_get_is_retried_with_jittered_backoff(client: Any, provider: FakeProvider,
                                              clock: FakeClock) -> None:
    provider.push("GET", ORDER, error(503, "unavailable"), error(500, "boom"), ok_order())
    assert client.orders.retrieve("ord_1").order_id == "ord_1"
    assert provider.count("GET", ORDER) == 3
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0


def test_retries_are_capped_by_max_retries(client: Any, provider: FakeProvider,
                                           clock: FakeClock) -> None:
    provider.push("GET", ORDER, *[error(502, "bad_gateway")] * 5)
    with pytest.raises(InternalServerError):
        client.orders.retrieve("ord_1")
    assert provider.count("GET", ORDER) == 3  # 1 try + max_retries=2
    assert len(clock.sleeps) == 2


def test_max_retries_per_client_and_per_call(make_client: Any, provider: FakeProvider) -> None:
    client = make_client(max_retries=0)
    provider.push("GET", ORDER, error(503, "x"), ok_order())
    with pytest.raises(InternalServerError):
        client.orders.retrieve("ord_1")
    assert client.with_options(max_retries=3).orders.retrieve("ord_1").status == "pending"
    assert provider.count("GET", ORDER) == 2


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retried_statuses(client: Any, provider: FakeProvider, status: int) -> None:
    provider.push("GET", ORDER, error(status, "x"), ok_order())
    client.orders.retrieve("ord_1")
    assert provider.count("GET", ORDER) == 2


@pytest.mark.parametrize(("status", "cls"), [(400, BadRequestError), (409, ConflictError)])
def test_client_errors_are_not_retried(client: Any, provider: FakeProvider, status: int,
                                       cls: type[Exception]) -> None:
    provider.push("GET", ORDER, error(status, "x"), ok_order())
    with pytest.raises(cls):
        client.orders.retrieve("ord_1")
    assert provider.count("GET", ORDER) == 1


def test_retry_after_seconds_is_honoured(client: Any, provider: FakeProvider,
                                         clock: FakeClock) -> None:
    limited = error(429, "rate_limited")
    limited.headers["Retry-After"] = "3"
    provider.push("GET", ORDER, limited, ok_order())
    client.orders.retrieve("ord_1")
    assert clock.sleeps == [3.0]


def test_retry_after_http_date_is_honoured(client: Any, provider: FakeProvider,
                                           clock: FakeClock) -> None:
    when = datetime.fromtimestamp(clock.now + 5, tz=UTC)
    unavailable = error(503, "unavailable")
    unavailable.headers["Retry-After"] = format_datetime(when, usegmt=True)
    provider.push("GET", ORDER, unavailable, ok_order())
    client.orders.retrieve("ord_1")
    assert clock.sleeps == [5.0]


def test_retry_after_too_long_is_not_waited_for(client: Any, provider: FakeProvider,
                                                clock: FakeClock) -> None:
    limited = error(429, "rate_limited")
    limited.headers["Retry-After"] = "3600"
    provider.push("GET", ORDER, limited, ok_order())
    with pytest.raises(RateLimitError) as info:
        client.orders.retrieve("ord_1")
    assert info.value.retry_after == 3600.0
    assert clock.sleeps == [] and provider.count("GET", ORDER) == 1


def test_transport_errors_are_retried_for_gets(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", ORDER, httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("eof"),
                  ok_order())
    client.orders.retrieve("ord_1")
    assert provider.count("GET", ORDER) == 3


def test_timeouts_exhausting_retries_raise_timeout(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", ORDER, *[httpx.ReadTimeout("slow")] * 3)
    with pytest.raises(APITimeoutError):
        client.orders.retrieve("ord_1")


def test_post_without_idempotency_key_is_not_retried(client: Any, provider: FakeProvider) -> None:
    token = Token(access_token="A" * 32)
    provider.push("POST", "/api/v1/shares", error(503, "x"))
    with pytest.raises(InternalServerError):
        client.shares.create(token, title="t", url="https://x")
    provider.push("POST", "/api/v1/shares", httpx.ReadTimeout("sent, maybe processed"))
    with pytest.raises(APITimeoutError):
        client.shares.create(token, title="t", url="https://x")
    assert provider.count("POST", "/api/v1/shares") == 2


def test_post_without_key_is_retried_when_nothing_was_sent(client: Any,
                                                            provider: FakeProvider) -> None:
    provider.access_tokens.add("A" * 32)
    provider.push("POST", "/api/v1/shares", httpx.ConnectError("refused"))
    share = client.shares.create(Token(access_token="A" * 32), title="t", url="https://x")
    assert share.id == "42" and provider.count("POST", "/api/v1/shares") == 2


def test_post_with_idempotency_key_is_retried_with_the_same_key(
        client: Any, provider: FakeProvider) -> None:
    provider.push("POST", ORDERS, error(503, "x"), httpx.ReadTimeout("slow"),
                  httpx.Response(201, json=order_json()))
    client.orders.create(openid="O", amount=60, item_id="sword-1", item_name="Sword")
    keys = [r.headers["idempotency-key"] for r in provider.requests if r.url.path == ORDERS]
    assert len(keys) == 3 and len(set(keys)) == 1 and len(keys[0]) >= 32


def test_each_call_gets_a_new_idempotency_key(client: Any, provider: FakeProvider) -> None:
    for _ in range(2):
        provider.push("POST", ORDERS, httpx.Response(201, json=order_json()))
        client.orders.create(openid="O", amount=60, item_id="i", item_name="n")
    provider.push("POST", ORDERS, httpx.Response(200, json=order_json()))
    client.orders.create(openid="O", amount=60, item_id="i", item_name="n",
                         idempotency_key="mine")
    keys = [r.headers["idempotency-key"] for r in provider.requests if r.url.path == ORDERS]
    assert keys[0] != keys[1] and keys[2] == "mine"


def test_token_endpoint_is_not_retried_once_sent(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/oauth2/token", error(503, "x"))
    with pytest.raises(InternalServerError):
        client.exchange_code("C" * 32, code_verifier="v" * 43)
    provider.push("POST", "/oauth2/token", httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        client.exchange_code("C" * 32, code_verifier="v" * 43)
    assert provider.count("POST", "/oauth2/token") == 2


def test_token_endpoint_is_retried_when_the_connection_failed(client: Any,
                                                              provider: FakeProvider) -> None:
    provider.push("POST", "/oauth2/token", httpx.ConnectError("refused"),
                  httpx.ConnectTimeout("slow connect"))
    with pytest.raises(OAuthError, match="invalid_grant"):  # reached the server on try 3
        client.exchange_code("C" * 32, code_verifier="v" * 43)
    assert provider.count("POST", "/oauth2/token") == 3


def test_unsupported_protocol_is_not_retried(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", ORDER, httpx.UnsupportedProtocol("ftp"), ok_order())
    with pytest.raises(APIConnectionError):
        client.orders.retrieve("ord_1")
    assert provider.count("GET", ORDER) == 1


def test_backoff_is_capped_full_jitter() -> None:
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(MAX_RETRY_DELAY, 0.5 * 2**attempt)
        delays = [backoff_delay(attempt, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range


def test_parse_retry_after() -> None:
    assert parse_retry_after(httpx.Headers({"retry-after": "2.5"}), 0) == 2.5
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "1500"}), 0) == 1.5
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"}), 0) is None
    assert parse_retry_after(httpx.Headers({}), 0) is None
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(httpx.Headers({"retry-after": past}), 2e9) == 0.0

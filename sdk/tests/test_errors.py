"""Each error status maps to its exception class, with the contract's error fields filled in."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fakes import BASE, FakeProvider, error

import zoneconnect
from zoneconnect import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ZoneConnectError,
)

ORDER = "/api/v1/payments/orders/ord_1"
ORDER_URL = BASE + ORDER


@pytest.mark.parametrize(
    ("status", "code", "ret", "cls"),
    [
        (400, "invalid_request", None, BadRequestError),
        (401, "invalid_token", 100013, AuthenticationError),
        (403, "insufficient_scope", 100030, PermissionDeniedError),
        (403, "permission_denied", 100031, PermissionDeniedError),
        (403, "app_suspended", 100011, PermissionDeniedError),
        (404, "not_found", None, NotFoundError),
        (409, "conflict", None, ConflictError),
        (422, "validation_error", None, BadRequestError),
        (429, "rate_limited", None, RateLimitError),
        (500, "server_error", None, InternalServerError),
        (503, "unavailable", None, InternalServerError),
        (418, "teapot", None, APIError),
    ],
)
def test_status_maps_to_class(make_client: Any, provider: FakeProvider, status: int, code: str,
                              ret: int | None, cls: type[APIError]) -> None:
    client = make_client(max_retries=0)
    extra = {"ret": ret} if ret is not None else {}
    provider.push("GET", ORDER, error(status, code, "it went wrong", **extra))
    with pytest.raises(cls) as info:
        client.orders.retrieve("ord_1")
    exc = info.value
    assert type(exc) is cls
    assert (exc.status_code, exc.code, exc.description) == (status, code, "it went wrong")
    assert exc.ret == ret
    assert exc.request_id == "req-1"
    assert exc.response.status_code == status
    assert str(exc) == f"{status} {code}: it went wrong (request_id=req-1)"


def test_validation_error_fields(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/api/v1/payments/orders", error(
        422, "validation_error", "bad input", fields={"amount": ["must be > 0"], "openid": "x"}))
    with pytest.raises(BadRequestError) as info:
        client.orders.create(openid="O", amount=1, item_id="i", item_name="n")
    assert info.value.fields == {"amount": ["must be > 0"], "openid": ["x"]}


def test_rate_limit_retry_after(make_client: Any, provider: FakeProvider) -> None:
    client = make_client(max_retries=0)
    response = error(429, "rate_limited", "slow down")
    response.headers["Retry-After"] = "7"
    provider.push("GET", ORDER, response)
    with pytest.raises(RateLimitError) as info:
        client.orders.retrieve("ord_1")
    assert info.value.retry_after == 7.0


def test_token_endpoint_rate_limit_keeps_retry_after(make_client: Any,
                                                     provider: FakeProvider) -> None:
    """A 429 from the token endpoint is a RateLimitError with the server's Retry-After too."""
    client = make_client(max_retries=0)
    response = error(429, "rate_limited", "slow down")
    response.headers["Retry-After"] = "42"
    provider.push("POST", "/oauth2/token", response)
    with pytest.raises(RateLimitError) as info:
        client.refresh("R" * 32)
    assert info.value.retry_after == 42.0 and info.value.status_code == 429


def test_non_json_error_body(make_client: Any, provider: FakeProvider) -> None:
    client = make_client(max_retries=0)
    provider.push("GET", ORDER, httpx.Response(502, text="<html>Bad gateway</html>",
                                               headers={"X-Request-ID": "edge-9"}))
    with pytest.raises(InternalServerError) as info:
        client.orders.retrieve("ord_1")
    assert info.value.code is None
    assert info.value.description == "<html>Bad gateway</html>"
    assert info.value.request_id == "edge-9"


def test_request_id_falls_back_to_the_header(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", ORDER, httpx.Response(404, json={"error": "not_found"},
                                               headers={"X-Request-ID": "hdr-1"}))
    with pytest.raises(NotFoundError) as info:
        client.orders.retrieve("ord_1")
    assert info.value.request_id == "hdr-1"


def test_connection_and_timeout_errors(make_client: Any, provider: FakeProvider) -> None:
    client = make_client(max_retries=0)
    provider.push("GET", ORDER, httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        client.orders.retrieve("ord_1")
    assert not isinstance(info.value, APITimeoutError)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    # Where it tried, and which setting moves it: the first question when nothing answers.
    message = str(info.value)
    assert f"GET {ORDER_URL}" in message and "refused" in message
    assert "ZONECONNECT_BASE_URL" in message and "base_url=" in message
    provider.push("GET", ORDER, httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        client.orders.retrieve("ord_1")


def test_hierarchy() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, ZoneConnectError)
    for cls in (BadRequestError, AuthenticationError, PermissionDeniedError, NotFoundError,
                ConflictError, RateLimitError, InternalServerError, zoneconnect.OAuthError,
                zoneconnect.APIResponseValidationError):
        assert issubclass(cls, APIError) and issubclass(cls, ZoneConnectError)
    assert issubclass(zoneconnect.SignatureVerificationError, ZoneConnectError)
    assert issubclass(zoneconnect.IDTokenError, ZoneConnectError)

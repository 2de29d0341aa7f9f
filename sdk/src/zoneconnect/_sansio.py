"""The sans-I/O core: requests as data, and operations as generators that a driver runs.

An operation ("plan") is a generator that yields actions -- `Send` a request, `Sleep`, `Notify`
the token-refresh hook -- and receives each action's outcome; its return value is the result.
`Client` drives plans with blocking I/O and `AsyncClient` with `await`, the way httpx drives its
`Auth.auth_flow` generators, so retries, refresh and parsing are written once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import httpx

from ._exceptions import (
    APIResponseValidationError,
    connection_error,
    make_api_error,
    make_oauth_error,
)
from ._retry import Replay, parse_retry_after, retry_delay, retryable_exception, retryable_status
from ._tokens import Token

if TYPE_CHECKING:
    from ._dpop import Signer

log = logging.getLogger("zoneconnect")

T = TypeVar("T")


@dataclass(frozen=True)
class RequestSpec:
    """Everything needed to build one HTTP request, with no client attached."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str | int] | None = None
    json: object | None = None
    data: Mapping[str, str] | None = None
    replay: Replay = Replay.SAFE
    dpop: bool = False  # a token request: signed with the client's DPoP key, if it has one

    def build_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `build_request` of `httpx.Client` or `httpx.AsyncClient`."""
        kwargs: dict[str, Any] = {"headers": dict(self.headers)}
        if self.params is not None:
            kwargs["params"] = dict(self.params)
        if self.json is not None:
            kwargs["json"] = self.json
        if self.data is not None:
            kwargs["data"] = dict(self.data)
        return kwargs


@dataclass(frozen=True)
class Send:
    """Send this request; the driver answers with an `httpx.Response` or `httpx.TransportError`."""

    spec: RequestSpec


@dataclass(frozen=True)
class Sleep:
    """Wait this many seconds before going on; the driver answers None."""

    seconds: float


@dataclass(frozen=True)
class Notify:
    """Call the client's `on_token_refresh` hook with this new token; the driver answers None."""

    token: Token


Action: TypeAlias = Send | Sleep | Notify
Plan: TypeAlias = Generator[Action, Any, T]


@dataclass
class RetrySettings:
    """What the retry loop needs to know about the client."""

    max_retries: int
    clock: Callable[[], float]
    rng: random.Random
    signer: Signer | None = None  # DPoP: a fresh proof on every attempt


def _signed(spec: RequestSpec, signer: Signer | None) -> RequestSpec:
    return signer.sign(spec) if signer is not None and signer.applies(spec) else spec


def send(spec: RequestSpec, settings: RetrySettings) -> Plan[httpx.Response]:
    """Send with retries; return the last response (even an error) or raise if none came.
    With a DPoP signer every attempt carries a fresh proof, and a `use_dpop_nonce` answer is
    retried once with the server's nonce (nothing was done: safe for any request)."""
    attempt = 0
    nonce_retried = False
    signer = settings.signer
    while True:
        outcome = yield Send(_signed(spec, signer))
        if isinstance(outcome, httpx.Response):
            if (signer is not None and signer.applies(spec)
                    and signer.observe(spec, outcome) and not nonce_retried):
                nonce_retried = True
                continue
            if outcome.is_success or attempt >= settings.max_retries:
                return outcome
            if spec.replay is not Replay.SAFE or not retryable_status(outcome.status_code):
                return outcome
            retry_after = parse_retry_after(outcome.headers, settings.clock())
            delay = retry_delay(attempt, retry_after, settings.rng)
            if delay is None:
                return outcome
            reason = f"HTTP {outcome.status_code}"
        elif isinstance(outcome, httpx.TransportError):
            if attempt >= settings.max_retries or not retryable_exception(outcome, spec.replay):
                raise connection_error(outcome, spec.method, spec.url) from outcome
            delay = retry_delay(attempt, None, settings.rng)
            assert delay is not None
            reason = type(outcome).__name__
        else:  # pragma: no cover - a driver bug
            raise TypeError(f"unexpected outcome {outcome!r}")
        attempt += 1
        log.info("Retrying %s %s after %s in %.2fs (retry %d of %d)", spec.method, spec.url,
                 reason, delay, attempt, settings.max_retries)
        yield Sleep(delay)


def raise_for_status(response: httpx.Response, now: float) -> None:
    """Raise the matching APIError for a non-2xx response."""
    if response.is_success:
        return
    retry_after = parse_retry_after(response.headers, now) if response.status_code == 429 else None
    raise make_api_error(response, retry_after=retry_after)


def raise_for_oauth_status(response: httpx.Response, now: float) -> None:
    """Raise the OAuthError (or RateLimitError with its `retry_after`) for a non-2xx answer of
    the token or revocation endpoint."""
    if response.is_success:
        return
    retry_after = parse_retry_after(response.headers, now) if response.status_code == 429 else None
    raise make_oauth_error(response, retry_after=retry_after)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object, or APIResponseValidationError."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            f"expected a JSON object from {response.request.method} {response.request.url}",
            response=response, body=body, request_id=response.headers.get("x-request-id"),
        )
    return body


def parse_json(response: httpx.Response, parser: Callable[[dict[str, Any]], T]) -> T:
    """Parse a JSON object body with `parser`; shape errors become APIResponseValidationError."""
    body = json_object(response)
    try:
        return parser(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise APIResponseValidationError(
            f"unexpected response shape from {response.request.url}: {exc!r}",
            response=response, body=body, request_id=response.headers.get("x-request-id"),
        ) from exc

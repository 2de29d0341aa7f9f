"""Retry policy: which failures are retried, and how long to wait before the next attempt."""

from __future__ import annotations

import email.utils
import random
from enum import Enum

import httpx

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: A `Retry-After` longer than this is not waited for: the error is raised instead.
MAX_RETRY_AFTER = 60.0

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504}) | frozenset(range(505, 600))

#: Transport errors raised before any byte of the request left this machine.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Transport errors that are configuration mistakes: retrying cannot help.
_NEVER_RETRY = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


class Replay(Enum):
    """Whether a request may be sent again after it may have reached the server."""

    SAFE = "safe"  # GET, DELETE, revocation, or a POST carrying an Idempotency-Key
    UNSENT_ONLY = "unsent_only"  # POSTs without a key, token endpoint (codes are single-use)


def retryable_status(status: int) -> bool:
    """408, 429 and 5xx are worth another try; 409 and other 4xx are not."""
    return status in RETRY_STATUSES


def retryable_exception(exc: httpx.TransportError, replay: Replay) -> bool:
    """Whether a transport failure may be retried for a request with this replay policy."""
    if isinstance(exc, _NEVER_RETRY):
        return False
    if replay is Replay.SAFE:
        return True
    return isinstance(exc, _NOT_SENT)


def parse_retry_after(headers: httpx.Headers, now: float) -> float | None:
    """`Retry-After` (or `retry-after-ms`) as seconds from `now`; None when absent or invalid."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return max(when.timestamp() - now, 0.0)


def backoff_delay(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    ceiling = min(MAX_RETRY_DELAY, INITIAL_RETRY_DELAY * (2.0 ** attempt))
    return rng.uniform(0.0, ceiling)


def retry_delay(attempt: int, retry_after: float | None, rng: random.Random) -> float | None:
    """The wait before retry `attempt + 1`; None means give up (Retry-After too long)."""
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER else None
    return backoff_delay(attempt, rng)

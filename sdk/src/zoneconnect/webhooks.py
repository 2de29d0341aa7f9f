"""Verify delivery callbacks: `ZoneConnect-Signature: t=<unix>,v1=<hex HMAC-SHA256("t.body")>`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from typing import Protocol

from ._exceptions import SignatureVerificationError
from ._models import Event, livemode_of

__all__ = ["SIGNATURE_HEADER", "DEFAULT_TOLERANCE", "Event", "construct_signature", "verify"]

SIGNATURE_HEADER = "ZoneConnect-Signature"
DEFAULT_TOLERANCE = 300


class HeaderItems(Protocol):
    """Anything with `.items()` of (name, value): a dict, `flask.request.headers`, httpx's."""

    def items(self) -> Iterable[tuple[str, str]]: ...


def _header(headers: HeaderItems) -> str | None:
    wanted = SIGNATURE_HEADER.lower()
    for name, value in headers.items():
        if name.lower() == wanted:
            return value
    return None


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureVerificationError("malformed signature header", header=header)
        if key == "t":
            if not value.isdigit():
                raise SignatureVerificationError("malformed timestamp in signature header",
                                                 header=header)
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise SignatureVerificationError("no timestamp in signature header", header=header)
    if not signatures:
        raise SignatureVerificationError("no v1 signature in signature header", header=header)
    return timestamp, signatures


def _sign(payload: bytes, secret: str, timestamp: int) -> str:
    message = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def construct_signature(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """The header value the platform would send for `payload` (for your own tests)."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when},v1={_sign(data, secret, when)}"


def verify(
    payload: bytes | str,
    headers: HeaderItems,
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> Event:
    """Check the signature over the raw body and return the parsed Event."""
    data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    header = _header(headers)
    if not header:
        raise SignatureVerificationError(f"missing {SIGNATURE_HEADER} header")
    timestamp, signatures = _parse(header)
    expected = _sign(data, secret, timestamp)
    # Any v1 may match: the platform sends one per active secret while a secret is rotated.
    if not any(hmac.compare_digest(expected.encode(), s.encode()) for s in signatures):
        raise SignatureVerificationError("no signature matches the payload", header=header)
    current = time.time() if now is None else now
    if tolerance > 0 and abs(current - timestamp) > tolerance:
        raise SignatureVerificationError("signature timestamp is outside the tolerance",
                                         header=header)
    try:
        body = json.loads(data)
        return Event(id=str(body["id"]), type=str(body["type"]), created=int(body["created"]),
                     data=dict(body.get("data") or {}), livemode=livemode_of(body))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"webhook payload is not a valid event: {exc}") from exc

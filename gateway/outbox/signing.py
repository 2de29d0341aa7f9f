"""The ZoneConnect-Signature header: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The signature header value for `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(body: bytes, header: str, secret: str, tolerance: int = 300,
           now: int | None = None) -> bool:
    """Whether `header` signs `body` with `secret` within `tolerance` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((int(time.time()) if now is None else now) - t) > tolerance:
        return False
    expected = sign(body, secret, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))

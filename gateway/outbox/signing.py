"""Webhook signatures, two formats on every delivery, each with every active secret.

- `ZoneConnect-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">[,v1=<hex>...]` (the SDK's).
- Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
  `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">[ v1,<base64>...]`, so stock
  libraries verify in any language. Their secret is `whsec_` + base64 of the key bytes; here the
  key bytes are the app's webhook secret as text, so `standard_secret(secret)` is what a
  receiver configures.

During a rotation's overlap the new secret signs first and the previous one second: a receiver
that knows either verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence


def _mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def sign(body: bytes, secret: str | Sequence[str], timestamp: int | None = None) -> str:
    """The ZoneConnect-Signature value for `body`: one v1 per secret."""
    t = int(time.time()) if timestamp is None else timestamp
    keys = [secret] if isinstance(secret, str) else list(secret)
    return ",".join([f"t={t}"] + [f"v1={_mac(k, f'{t}.'.encode() + body).hex()}" for k in keys])


def standard_secret(secret: str) -> str:
    """The app's secret in the Standard Webhooks form (`whsec_...`)."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_headers(message_id: str, body: bytes, secrets: Sequence[str],
                     timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers (the id stays the same on every retry)."""
    t = int(time.time()) if timestamp is None else timestamp
    signed = f"{message_id}.{t}.".encode() + body
    signatures = " ".join("v1," + base64.b64encode(_mac(k, signed)).decode() for k in secrets)
    return {"webhook-id": message_id, "webhook-timestamp": str(t),
            "webhook-signature": signatures}


def verify(body: bytes, header: str, secret: str, tolerance: int = 300,
           now: int | None = None) -> bool:
    """Whether any v1 of `header` signs `body` with `secret` within `tolerance` seconds."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k == "t"]
    try:
        t = int(stamps[0]) if stamps else None
    except ValueError:
        return False
    if t is None or abs((int(time.time()) if now is None else now) - t) > tolerance:
        return False
    expected = _mac(secret, f"{t}.".encode() + body).hex()
    return any(hmac.compare_digest(expected, v) for k, v in parts if k == "v1")

"""Opaque tokens and their storage form: only SHA-256 digests are ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_hex32() -> str:
    """A fresh 32-character uppercase hex value (tokens, codes, openids, appkeys)."""
    return secrets.token_hex(16).upper()


def digest(value: str) -> str:
    """The SHA-256 hex digest under which a secret is stored and looked up."""
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def matches(value: str, stored_digest: str | None) -> bool:
    """Compare a presented secret with a stored digest in constant time."""
    if not stored_digest:
        return False
    return hmac.compare_digest(digest(value), stored_digest)

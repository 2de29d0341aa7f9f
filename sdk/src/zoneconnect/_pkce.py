"""PKCE (RFC 7636, S256 only) and the random values of an authorization request."""

from __future__ import annotations

import base64
import hashlib
import secrets

#: RFC 7636 §4.1: the verifier's characters.
VERIFIER_CHARSET = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_code_verifier(nbytes: int = 48) -> str:
    """A high-entropy verifier: 48 random bytes give 64 characters of [A-Za-z0-9-_]."""
    verifier = _b64url(secrets.token_bytes(nbytes))
    if not 43 <= len(verifier) <= 128:
        raise ValueError("a PKCE code_verifier must be 43 to 128 characters long")
    return verifier


def code_challenge(verifier: str) -> str:
    """The S256 challenge: BASE64URL(SHA256(ASCII(verifier))) without padding."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def make_state() -> str:
    """An unguessable `state` value binding the callback to this browser session."""
    return secrets.token_urlsafe(32)


def make_nonce() -> str:
    """An unguessable OIDC `nonce` binding the id_token to this login."""
    return secrets.token_urlsafe(32)

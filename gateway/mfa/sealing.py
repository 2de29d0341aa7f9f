"""Seal small secrets (authenticator app keys) with a key derived from SECRET_KEY (AES-GCM).

A copy of the database alone then yields no working TOTP secrets. Changing SECRET_KEY makes
sealed secrets unreadable: those accounts fall back to their recovery codes or passkeys.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

INFO = b"zoneconnect totp secrets v1"


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret)


def seal(plain: str, context: str) -> str:
    """Encrypt `plain`, bound to `context` (the user id): a row copied to another user fails."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, plain.encode(), context.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(sealed: str, context: str) -> str | None:
    """The plain secret, or None when it cannot be opened (other key or other context)."""
    from cryptography.exceptions import InvalidTag

    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (InvalidTag, ValueError):
        return None

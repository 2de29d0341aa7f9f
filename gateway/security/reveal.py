"""Secrets shown once after a redirect (post/redirect/get): the POST that makes a credential keeps
it, encrypted, in the session; the GET that shows it takes it out. Refreshing the page shows it
no more and, above all, never repeats the POST (a second app, a second key)."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session

SESSION_KEY = "zc_reveal"
# Long enough to survive a slow redirect, short enough that a forgotten one does not linger.
MAX_AGE_SECONDS = 600


def _fernet() -> Fernet:
    # The session cookie is signed, not encrypted: the secret travels encrypted under a key
    # derived from SECRET_KEY, so the cookie alone never discloses it.
    material = hashlib.sha256(b"zc-reveal\0" + str(current_app.secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(material))


def stash(kind: str, subject: str, values: dict[str, str]) -> None:
    """Keep `values` for the next `take(kind, subject)` in this session."""
    token = _fernet().encrypt(json.dumps(values).encode()).decode("ascii")
    session[SESSION_KEY] = {"kind": kind, "subject": subject, "token": token}


def take(kind: str, subject: str) -> dict[str, str] | None:
    """The values stashed for this kind and subject, once; None if shown already or expired."""
    held = session.get(SESSION_KEY)
    if not isinstance(held, dict) or (held.get("kind"), held.get("subject")) != (kind, subject):
        return None
    session.pop(SESSION_KEY, None)
    try:
        raw = _fernet().decrypt(str(held.get("token", "")).encode(), ttl=MAX_AGE_SECONDS)
    except InvalidToken:
        return None
    values = json.loads(raw)
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else None

"""RFC 8628 device authorization: the endpoint, the polling grant, and the /device page's
service functions. Device and user codes are stored as digests only. Flush, never commit."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant
from sqlalchemy import select

from gateway.accounts.models import User
from gateway.apps import scopes as scope_registry
from gateway.apps.models import App
from gateway.extensions import db
from gateway.oauth.authorize import issuer
from gateway.oauth.models import DeviceCode
from gateway.oauth.store import current_store
from gateway.security.secrets import digest, new_hex32
from gateway.timeutil import utcnow

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words, no 0/O or 1/I confusion
EXPIRES_IN = 600
INTERVAL = 5


def normalize_user_code(raw: str) -> str:
    """What the user typed, uppercased without spaces or dashes."""
    return "".join(c for c in raw.upper() if c.isalnum())[:16]


class DeviceAuthorization(DeviceAuthorizationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    EXPIRES_IN = EXPIRES_IN
    INTERVAL = INTERVAL

    def get_verification_uri(self) -> str:
        return issuer() + "/device"

    def generate_device_code(self) -> str:
        return new_hex32()

    def generate_user_code(self) -> str:
        code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
        return f"{code[:4]}-{code[4:]}"

    def save_device_credential(self, client_id: str, scope: str | None,
                               data: dict[str, Any]) -> None:
        app = db.session.scalar(select(App).where(App.appid == client_id))
        assert app is not None
        scopes = scope_registry.parse(scope) or [scope_registry.DEFAULT_SCOPE]
        if not set(scopes) <= app.granted_scopes():
            raise InvalidScopeError()
        current_store().insert_device_code({
            "device_code_digest": digest(data["device_code"]),
            "user_code_digest": digest(normalize_user_code(data["user_code"])),
            "app_id": app.id, "scopes": scopes, "interval": INTERVAL,
            "expires_at": utcnow() + timedelta(seconds=EXPIRES_IN)})


class DeviceGrant(DeviceCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_device_credential(self, device_code: str) -> DeviceCode | None:
        row = current_store().find_device_code(digest(device_code or ""))
        return row if row is not None and row.used_at is None else None

    def query_user_grant(self, user_code: int) -> tuple[User, bool] | None:
        store = current_store()
        row = store.device_code(user_code)
        if row is None or row.approved is None or row.user_id is None:
            return None
        approved, user = bool(row.approved), db.session.get(User, row.user_id)
        if user is None:
            return None
        if not user.is_active:  # deactivated or banned since approving: refused for good
            approved = False
        if approved and not store.use_device_code(row.id):  # single use: a concurrent poll won
            return None
        return user, approved

    def should_slow_down(self, credential: DeviceCode) -> bool:
        last = current_store().note_poll(credential.id)
        return last is not None and (utcnow() - last).total_seconds() < credential.interval


def find_pending(raw_user_code: str) -> DeviceCode | None:
    """The pending, unexpired device authorization a typed user code names."""
    row = current_store().find_user_code(digest(normalize_user_code(raw_user_code)))
    if row is None or row.approved is not None or row.expires_at <= utcnow():
        return None
    return row


def decide(row: DeviceCode, user: User, scopes: list[str] | None) -> None:
    """Record the user's answer once: approved with `scopes` (never more than the device asked
    for), or refused when scopes is None. A second answer (another tab) changes nothing."""
    chosen = None if scopes is None else [s for s in row.scopes if s in scopes]
    current_store().decide_device_code(row.id, user.id, chosen)


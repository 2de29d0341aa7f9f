"""The platform's own user accounts and their avatar images."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow

GENDERS = ("male", "female")
FEED_VISIBILITIES = ("public", "friends")


def new_avatar_key() -> str:
    return secrets.token_hex(16)


class User(db.Model):
    """A person with a ZoneConnect account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    nickname: Mapped[str] = mapped_column(String(64), default="")
    gender: Mapped[str | None] = mapped_column(String(8))
    province: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    birth_year: Mapped[int | None]
    # Public, unguessable name of the avatar; changes on every upload so caches never go stale.
    avatar_key: Mapped[str] = mapped_column(String(32), unique=True, default=new_avatar_key)
    has_avatar: Mapped[bool] = mapped_column(default=False)
    feed_visibility: Mapped[str] = mapped_column(String(8), default="public")
    # The language the user chose with the switch or the profile (a key of
    # gateway.i18n.LANGUAGES), None until they choose: it wins over the browser's; their IANA
    # time zone for showing times (stored times stay UTC).
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai",
                                          server_default="Asia/Shanghai")
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change: every session signed with an older epoch is logged out.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Stored lower-cased; unique across accounts whether verified or not.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    # The language mail is written in: the one the person last used on the site.
    locale: Mapped[str | None] = mapped_column(String(16))
    # "Delete my account" (gateway/privacy): when the erasure is due (None: not asked, or
    # cancelled by logging in), and when it happened (the row stays, anonymized, for the ledger).
    deletion_due_at: Mapped[datetime | None] = mapped_column(index=True)
    erased_at: Mapped[datetime | None]

    @property
    def email_verified(self) -> bool:
        return self.email is not None and self.email_verified_at is not None

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


class AvatarImage(db.Model):
    """One rendered size of a user's uploaded avatar (kept in the database: no local disk state)."""

    __tablename__ = "avatar_images"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    size: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class UserSession(db.Model):
    """One signed-in browser: the cookie carries only an opaque id whose digest is kept here, so
    ending the row (logout, password change, "sign out everywhere") ends the session for good."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the opaque id in the cookie: a copy of this table opens no session.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's session_epoch when it started: a bump (password change or reset) ends it too.
    epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the password was last typed in this session (OIDC auth_time, max_age, prompt=login).
    authenticated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ended_at: Mapped[datetime | None]
    # Why it ended: "logout", "password_changed", "signed_out", "ended_by_user", "expired".
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    # What the login proved, as OIDC amr values ("pwd", "otp", "hwk", "mfa"), space-separated,
    # and when a second factor was last checked in this session (step-up: gateway/mfa/state.py).
    amr: Mapped[str] = mapped_column(String(64), default="", server_default="")
    second_factor_at: Mapped[datetime | None]


class AccountToken(db.Model):
    """A single-use link sent by mail (verify an address, reset a password); only its digest
    is stored. `binding` is what the link is tied to (the address, or a password fingerprint):
    when that changes on the account, the link stops working."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    binding: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

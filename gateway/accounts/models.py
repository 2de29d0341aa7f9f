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
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change: every session signed with an older epoch is logged out.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

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

"""Albums and their photos (image bytes live in gateway.storage, never in the database)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow

NAME_MAX = 30
DESC_MAX = 200
QUESTION_MAX = 100
TITLE_MAX = 64
PRIVACIES = ("public", "friends", "private", "question")
# Rendition name -> longest side in pixels (QQ's large_url and small_url, plus a page size).
RENDITIONS = {"large": 1600, "medium": 640, "small": 200}


def new_key() -> str:
    """A public, unguessable id: album and photo ids never reveal counts or neighbours."""
    return secrets.token_hex(12)


class Album(db.Model):
    """A user's (or, with group_id, a group's) album."""

    __tablename__ = "albums"
    __table_args__ = (Index("ix_albums_owner_id_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(24), unique=True, default=new_key)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                                 index=True)
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(String(DESC_MAX), default="")
    privacy: Mapped[str] = mapped_column(String(10), default="public")
    question: Mapped[str] = mapped_column(String(QUESTION_MAX), default="")
    # HMAC of the normalised answer with the platform secret (never the answer itself).
    answer_digest: Mapped[str] = mapped_column(String(64), default="")
    cover_photo_id: Mapped[int | None]
    photo_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Photo(db.Model):
    """One uploaded picture, stored as renditions under `albums/<album key>/<photo key>/`."""

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_album_id_id", "album_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(24), unique=True, default=new_key)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    description: Mapped[str] = mapped_column(String(DESC_MAX), default="")
    content_type: Mapped[str] = mapped_column(String(16))
    width: Mapped[int]
    height: Mapped[int]
    # Sizes of the stored renditions, by name, and their total (the owner's usage).
    bytes_total: Mapped[int] = mapped_column(default=0)
    kept_location: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""A link shared to a user's feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow

# Caps (characters): chosen to fit QQ's own share limits with room, and documented in the README.
TITLE_MAX = 128
URL_MAX = 2048
SUMMARY_MAX = 512
COMMENT_MAX = 512
SITE_MAX = 128
IMAGES_MAX = 9
SOURCES = ("api", "button")


class Share(db.Model):
    """One shared link; `app_id` is the app that posted it (None for the share button)."""

    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_user_id_id", "user_id", "id"),
                      Index("ix_shares_app_id_user_id_id", "app_id", "user_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(8), default="api")
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    comment: Mapped[str] = mapped_column(String(COMMENT_MAX), default="")
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    site: Mapped[str] = mapped_column(String(SITE_MAX), default="")
    fromurl: Mapped[str] = mapped_column(String(URL_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

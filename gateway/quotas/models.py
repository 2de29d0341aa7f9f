"""An operator's override of one app's quota for one API ("*": every API of the app)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow

ALL_APIS = "*"


class AppQuotaOverride(db.Model):
    """A rate limit string (e.g. "1200 per minute") replacing the default for one app and API."""

    __tablename__ = "app_quota_overrides"
    __table_args__ = (UniqueConstraint("app_id", "api"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    api: Mapped[str] = mapped_column(String(64))
    limit: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

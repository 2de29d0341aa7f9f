"""Data exports: one row per "download my data" request, its ZIP kept in gateway.storage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow

STATUSES = ("pending", "ready", "failed")
PENDING = "status = 'pending'"


class DataExport(db.Model):
    """A user's export: pending until the worker has built and stored the ZIP, then ready until
    `expires_at`, when the purge job removes the file and the row."""

    __tablename__ = "data_exports"
    # At most one export in progress per account, even when two requests race.
    __table_args__ = (Index("uq_data_exports_one_pending", "user_id", unique=True,
                            sqlite_where=text(PENDING), postgresql_where=text(PENDING)),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    storage_key: Mapped[str] = mapped_column(String(200), default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ready_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)

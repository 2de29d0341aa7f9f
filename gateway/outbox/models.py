"""Outbox messages and every delivery attempt made for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.extensions import db
from gateway.timeutil import utcnow

STATUSES = ("pending", "delivered", "dead")


class OutboxMessage(db.Model):
    """One event to POST to an app, written in the transaction that caused it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(48))
    url: Mapped[str] = mapped_column(String(512))
    # The exact bytes that are signed and sent, fixed when the event is written.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # A worker holds a message until this moment; another may take it over afterwards.
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    deliveries: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message", order_by="DeliveryAttempt.id", lazy="selectin")


class DeliveryAttempt(db.Model):
    """One POST of a message: its outcome, response code, error and duration."""

    __tablename__ = "outbox_delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(String(255), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    message: Mapped[OutboxMessage] = relationship(back_populates="deliveries")

"""Webhook endpoints, the events of each app, their deliveries (outbox messages, one per event
and endpoint) and every attempt made for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.extensions import db
from gateway.timeutil import utcnow

# held: waiting for its disabled endpoint to be enabled again (then pending, from the start).
STATUSES = ("pending", "delivered", "dead", "held")
DISABLED_REASONS = ("", "developer", "failing")


class WebhookEndpoint(db.Model):
    """A URL of an app that receives the event types it subscribes to, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(512))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The event types delivered here; an empty list means every type.
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kept as is: it must be usable for HMAC (like apps.webhook_secret).
    secret: Mapped[str] = mapped_column(String(64))
    # After a rotation the previous secret signs too (a second signature) until this moment.
    previous_secret: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    # Why it is disabled: "developer" (by hand) or "failing" (ZC_WEBHOOK_DISABLE_AFTER).
    disabled_reason: Mapped[str] = mapped_column(String(16), default="")
    # The first failure of the current run of failures (None after a success).
    failing_since: Mapped[datetime | None]
    # When the developer was told this run of failures had lasted ZC_WEBHOOK_ALERT_AFTER.
    alerted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def subscribes(self, event_type: str) -> bool:
        """Whether events of this type are delivered here."""
        return not self.event_types or event_type in self.event_types


class WebhookEvent(db.Model):
    """One event of an app, whatever the endpoints it went to (the events API lists these)."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(48))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxMessage(db.Model):
    """One delivery of an event to one URL (an endpoint's, or a callback URL such as an order's
    notify_url), written in the transaction that caused the event."""

    __tablename__ = "outbox_messages"
    # One delivery per event and endpoint: a retried write can never queue a second one.
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    # None for a callback URL that is not an endpoint (signed with the app's webhook secret);
    # removing an endpoint removes its deliveries (the events stay in webhook_events).
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
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

"""Orders and the stored responses of idempotent order requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow

ORDER_STATUSES = ("pending", "paid", "failed", "refunded", "canceled")


class Order(db.Model):
    """An app's request that a user pay coins for a virtual good."""

    __tablename__ = "payment_orders"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # ord_<hex>
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    openid: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)  # coins
    money_amount: Mapped[int] = mapped_column(BigInteger)  # minor units at the rate of the day
    currency: Mapped[str] = mapped_column(String(3))
    item_id: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(128))
    notify_url: Mapped[str | None] = mapped_column(String(512))
    return_url: Mapped[str | None] = mapped_column(String(512))
    # False for a sandbox order: paid only in test coins, never settled, announced livemode false.
    livemode: Mapped[bool] = mapped_column(default=True, server_default=true())
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    failure_reason: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(index=True)
    refunded_at: Mapped[datetime | None]
    # Set once the order's month is settled (see gateway.revenue.settlement).
    settlement_id: Mapped[int | None] = mapped_column(Integer, index=True)


class IdempotentRequest(db.Model):
    """The first response to an app's Idempotency-Key, replayed for the same request."""

    __tablename__ = "payment_idempotency_keys"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Revenue-share tiers, settlements, payouts, connected accounts and received Stripe events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow


class RevenueTier(db.Model):
    """One band of a tier schedule: from `lower_bound` (minor units) the developer gets `share_bp`.

    A schedule is every row with the same `effective_from`; the latest one not after a month's
    first day applies to that month.
    """

    __tablename__ = "revenue_tiers"
    __table_args__ = (UniqueConstraint("effective_from", "lower_bound"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(index=True)
    lower_bound: Mapped[int] = mapped_column(BigInteger)
    share_bp: Mapped[int] = mapped_column(Integer)  # developer's share in basis points
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Settlement(db.Model):
    """One app's month, split between developer and platform; once per (app, month)."""

    __tablename__ = "revenue_settlements"
    __table_args__ = (UniqueConstraint("app_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3))
    gross: Mapped[int] = mapped_column(BigInteger)
    developer_share: Mapped[int] = mapped_column(BigInteger)
    platform_share: Mapped[int] = mapped_column(BigInteger)
    # Developer's part of refunds taken back from pending before release.
    refunded_developer: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_gross: Mapped[int] = mapped_column(BigInteger, default=0)
    tiers_from: Mapped[date]
    hold_until: Mapped[datetime]
    released_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConnectedAccount(db.Model):
    """A developer's Stripe connected account."""

    __tablename__ = "revenue_connected_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(64), unique=True)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Payout(db.Model):
    """A transfer of a developer's available balance to their connected account."""

    __tablename__ = "revenue_payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    ledger_transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True)
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class StripeEvent(db.Model):
    """A Stripe webhook event, recorded once (its id is unique) so duplicates apply once."""

    __tablename__ = "revenue_stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

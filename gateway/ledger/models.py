"""Ledger tables. Transactions and legs are append-only: never UPDATE or DELETE them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.extensions import db
from gateway.timeutil import utcnow

COIN_CURRENCY = "ZCC"
# The sandbox book: test coins (their own currency code) that developers grant to their apps'
# test users and that pay sandbox orders. Its accounts never share a transaction with any other
# account (`services.post` refuses), so nothing in it reaches settlement, payouts or figures.
TEST_CURRENCY = "ZCT"
# A user's `test_coins`; the platform's `test_issued` (test coins in circulation, the source of
# every grant); an app's `test_sales` (what its sandbox orders took in).
TEST_KINDS = frozenset({"test_coins", "test_issued", "test_sales"})
PLATFORM_OWNER = 0  # owner_id of the platform's own accounts (NULL would defeat the unique key)
# A user's `frozen` holds coins under an open dispute; their `receivable` is money they owe the
# platform (coins already spent when their top-up was refunded).
USER_KINDS = ("coins", "frozen", "receivable")
DEVELOPER_KINDS = ("unsettled", "pending", "available", "paid_out", "receivable")
# `disputes` holds money Stripe withdrew for open disputes, `losses` what lost disputes cost,
# `bank` what Stripe paid out to the platform's bank account.
PLATFORM_KINDS = ("stripe_pending", "stripe_available", "revenue", "fees", "clearing",
                  "disputes", "losses", "bank")
# Debit-normal accounts (assets and expenses); every other account is credit-normal. The coin side
# of `clearing` counts coins in circulation, so it is debit-normal too.
DEBIT_NORMAL = {"receivable", "stripe_pending", "stripe_available", "fees", "disputes", "losses",
                "bank", "test_issued"}


def book_of(kind: str) -> str:
    """The book an account kind belongs to: "test" (the sandbox's test coins) or "live"."""
    return "test" if kind in TEST_KINDS else "live"


def normal_sign(kind: str, currency: str) -> int:
    """+1 when a credit raises this account's balance, -1 when a debit does."""
    if kind in DEBIT_NORMAL or (kind == "clearing" and currency == COIN_CURRENCY):
        return -1
    return 1


class LedgerAccount(db.Model):
    """One balance: a user's coins, a developer's money bucket or a platform account."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("owner_type", "owner_id", "kind", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(16))  # user | developer | platform | app
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    # In the account's normal direction; kept equal to normal_sign * sum(legs) under a row lock.
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def sign(self) -> int:
        return normal_sign(self.kind, self.currency)


class LedgerTransaction(db.Model):
    """An atomic posting: its legs sum to zero per currency."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    memo: Mapped[str] = mapped_column(String(255), default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    legs: Mapped[list[LedgerLeg]] = relationship(back_populates="transaction", lazy="selectin")


class LedgerLeg(db.Model):
    """One side of a transaction. `amount` is credit-positive, debit-negative."""

    __tablename__ = "ledger_legs"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="legs")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")

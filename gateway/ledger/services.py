"""Ledger operations: find accounts, post balanced transactions, reverse them. Flush only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.extensions import db
from gateway.ledger.errors import InsufficientFunds, MixedBooks, UnbalancedTransaction
from gateway.ledger.models import (
    COIN_CURRENCY,
    PLATFORM_OWNER,
    TEST_CURRENCY,
    TEST_KINDS,
    LedgerAccount,
    LedgerLeg,
    LedgerTransaction,
    book_of,
)

# Only a receivable (money a developer owes back) may run below zero... and it never does, as it is
# debit-normal; every other account refuses an overdraft.
MAY_GO_NEGATIVE = frozenset({"receivable"})

Leg = tuple[LedgerAccount, int]  # (account, credit-positive amount)


def money_currency() -> str:
    """The currency of money accounts (ZC_CURRENCY, default CNY)."""
    return str(current_app.config.get("ZC_CURRENCY") or "CNY")


def coin_minor_units() -> int:
    """How many minor units of money one coin is worth (ZC_COIN_MINOR_UNITS, default 10)."""
    return int(current_app.config.get("ZC_COIN_MINOR_UNITS") or 10)


def account(owner_type: str, owner_id: int, kind: str,
            currency: str | None = None) -> LedgerAccount:
    """The account, created on first use (safe against a concurrent first use)."""
    currency = currency or money_currency()
    where = (LedgerAccount.owner_type == owner_type, LedgerAccount.owner_id == owner_id,
             LedgerAccount.kind == kind, LedgerAccount.currency == currency)
    found = db.session.scalar(select(LedgerAccount).where(*where))
    if found is not None:
        return found
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(LedgerAccount).values(
        owner_type=owner_type, owner_id=owner_id, kind=kind, currency=currency, balance=0,
    ).on_conflict_do_nothing())
    return db.session.scalars(select(LedgerAccount).where(*where)).one()


def user_coins(user_id: int) -> LedgerAccount:
    """A user's coin account (currency ZCC)."""
    return account("user", user_id, "coins", COIN_CURRENCY)


def user_test_coins(user_id: int) -> LedgerAccount:
    """A user's test coins (the sandbox book, currency ZCT)."""
    return account("user", user_id, "test_coins", TEST_CURRENCY)


def test_coin_balance(user_id: int) -> int:
    """How many test coins a user has (0 before their first grant)."""
    return int(db.session.scalar(select(LedgerAccount.balance).where(
        LedgerAccount.owner_type == "user", LedgerAccount.owner_id == user_id,
        LedgerAccount.kind == "test_coins")) or 0)


def developer(developer_id: int, kind: str) -> LedgerAccount:
    """One of a developer's money accounts: unsettled, pending, available, paid_out, receivable."""
    return account("developer", developer_id, kind)


def platform(kind: str, currency: str | None = None) -> LedgerAccount:
    """One of the platform's accounts."""
    return account("platform", PLATFORM_OWNER, kind, currency)


def find(idempotency_key: str) -> LedgerTransaction | None:
    """The transaction posted under this key, if any."""
    return db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == idempotency_key))


def coin_legs(coins: int, other: LedgerAccount, user_id: int) -> list[Leg]:
    """Legs crediting a user `coins` coins against `other` (money), through the clearing pair."""
    money = coins * coin_minor_units()
    return [(user_coins(user_id), coins), (platform("clearing", COIN_CURRENCY), -coins),
            (platform("clearing"), money), (other, -money)]


def _check_balanced(legs: Sequence[Leg]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for acct, amount in legs:
        totals[acct.currency] += amount
    if any(totals.values()):
        raise UnbalancedTransaction()


def _check_one_book(legs: Sequence[Leg]) -> None:
    """Every leg in the same book, and test kinds only ever in test coins: real money and test
    coins can never meet in one transaction, whatever a caller builds."""
    if len({book_of(acct.kind) for acct, _ in legs}) > 1 or any(
            (acct.kind in TEST_KINDS) != (acct.currency == TEST_CURRENCY) for acct, _ in legs):
        raise MixedBooks()


def _lock(ids: list[int]) -> dict[int, LedgerAccount]:
    """Lock the rows in id order (no deadlocks) and read their current balances."""
    stmt = (select(LedgerAccount).where(LedgerAccount.id.in_(ids)).order_by(LedgerAccount.id)
            .with_for_update().execution_options(populate_existing=True))
    return {a.id: a for a in db.session.scalars(stmt)}


def post(key: str, kind: str, legs: Sequence[Leg], *, memo: str = "",
         reverses: LedgerTransaction | None = None,
         details: dict[str, Any] | None = None) -> LedgerTransaction:
    """Post a balanced transaction once per key; a repeated key returns the first one."""
    if (existing := find(key)) is not None:
        return existing
    legs = [(a, n) for a, n in legs if n != 0]
    _check_balanced(legs)
    _check_one_book(legs)
    deltas: dict[int, int] = defaultdict(int)
    for acct, amount in legs:
        deltas[acct.id] += amount * acct.sign
    locked = _lock(sorted(deltas))
    for acct_id, delta in deltas.items():
        acct = locked[acct_id]
        if acct.kind not in MAY_GO_NEGATIVE and acct.balance + delta < 0:
            raise InsufficientFunds(extra={"account": acct.kind})
    for acct_id, delta in deltas.items():
        # A guarded UPDATE: even without row locks (SQLite) a balance never crosses zero.
        guard = LedgerAccount.kind.in_(MAY_GO_NEGATIVE) | (LedgerAccount.balance + delta >= 0)
        done = db.session.execute(update(LedgerAccount).where(
            LedgerAccount.id == acct_id, guard).values(balance=LedgerAccount.balance + delta))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise InsufficientFunds()
    txn = LedgerTransaction(idempotency_key=key, kind=kind, memo=memo[:255],
                            reverses_id=reverses.id if reverses else None, details=details or {})
    db.session.add(txn)
    db.session.flush()
    db.session.add_all(LedgerLeg(transaction_id=txn.id, account_id=a.id, amount=n,
                                 currency=a.currency) for a, n in legs)
    db.session.flush()
    for acct in locked.values():
        db.session.expire(acct, ["balance"])
    return txn


def reverse(original: LedgerTransaction, key: str, *, memo: str = "") -> LedgerTransaction:
    """Post the mirror image of a transaction as a new, linked one."""
    legs = [(leg.account, -leg.amount) for leg in original.legs]
    return post(key, f"{original.kind}.reversal"[:32], legs,
                memo=memo or f"Reverses #{original.id}", reverses=original)


def balance(acct: LedgerAccount) -> int:
    """The stored balance of an account, fresh from the database."""
    return int(db.session.scalar(select(LedgerAccount.balance).where(
        LedgerAccount.id == acct.id)) or 0)


def coin_balance(user_id: int) -> int:
    """How many coins a user has."""
    return int(db.session.scalar(select(LedgerAccount.balance).where(
        LedgerAccount.owner_type == "user", LedgerAccount.owner_id == user_id,
        LedgerAccount.kind == "coins")) or 0)


def history(acct: LedgerAccount, limit: int = 50) -> list[tuple[LedgerTransaction, int]]:
    """The latest transactions touching an account, with the change each made to it."""
    rows = db.session.execute(
        select(LedgerTransaction, LedgerLeg.amount).join(LedgerLeg)
        .where(LedgerLeg.account_id == acct.id)
        .order_by(LedgerTransaction.id.desc()).limit(limit)).all()
    return [(txn, amount * acct.sign) for txn, amount in rows]

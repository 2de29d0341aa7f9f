"""`gateway ledger check`: verify the ledger's invariants and describe every breach."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from gateway.extensions import db
from gateway.ledger.models import (
    TEST_CURRENCY,
    TEST_KINDS,
    LedgerAccount,
    LedgerLeg,
    LedgerTransaction,
    book_of,
)
from gateway.ledger.services import MAY_GO_NEGATIVE


def unbalanced_transactions() -> list[str]:
    """Transactions whose legs do not sum to zero in some currency."""
    rows = db.session.execute(
        select(LedgerLeg.transaction_id, LedgerLeg.currency, func.sum(LedgerLeg.amount))
        .group_by(LedgerLeg.transaction_id, LedgerLeg.currency)
        .having(func.sum(LedgerLeg.amount) != 0)).all()
    return [f"transaction {t} does not sum to zero in {c} (off by {s})" for t, c, s in rows]


def empty_transactions() -> list[str]:
    """Transactions without legs."""
    rows = db.session.scalars(select(LedgerTransaction.id).where(
        ~select(LedgerLeg.id).where(LedgerLeg.transaction_id == LedgerTransaction.id).exists()))
    return [f"transaction {t} has no legs" for t in rows]


def balance_problems() -> list[str]:
    """Stored balances that differ from their legs, negative balances, wrong leg currencies."""
    sums = dict(db.session.execute(
        select(LedgerLeg.account_id, func.sum(LedgerLeg.amount)).group_by(LedgerLeg.account_id)
    ).all())
    problems = []
    for acct in db.session.scalars(select(LedgerAccount).order_by(LedgerAccount.id)):
        expected = int(sums.get(acct.id) or 0) * acct.sign
        name = f"account {acct.id} ({acct.owner_type} {acct.owner_id} {acct.kind} {acct.currency})"
        if acct.balance != expected:
            problems.append(f"{name} stores {acct.balance} but its legs add up to {expected}")
        if acct.balance < 0 and acct.kind not in MAY_GO_NEGATIVE:
            problems.append(f"{name} is negative: {acct.balance}")
    wrong = db.session.execute(select(LedgerLeg.id, LedgerLeg.currency, LedgerAccount.currency)
                               .join(LedgerAccount)
                               .where(LedgerLeg.currency != LedgerAccount.currency)).all()
    problems += [f"leg {i} is in {c} on an account in {a}" for i, c, a in wrong]
    return problems


def book_problems() -> list[str]:
    """Transactions that mix the live and test books; test kinds outside test coins."""
    books: dict[int, set[str]] = {}
    for txn_id, kind in db.session.execute(select(LedgerLeg.transaction_id, LedgerAccount.kind)
                                           .join(LedgerAccount).distinct()):
        books.setdefault(txn_id, set()).add(book_of(kind))
    problems = [f"transaction {t} mixes the live and test books"
                for t, found in sorted(books.items()) if len(found) > 1]
    is_test = LedgerAccount.kind.in_(TEST_KINDS)
    in_test_coins = LedgerAccount.currency == TEST_CURRENCY
    misfiled = db.session.scalars(select(LedgerAccount.id).where(
        or_(and_(is_test, ~in_test_coins), and_(~is_test, in_test_coins))))
    return problems + [f"account {a} mixes a test kind and a live currency (or the reverse)"
                       for a in misfiled]


def run_checks() -> list[str]:
    """Every broken invariant, described; an empty list means the ledger is sound."""
    from gateway.revenue.checks import dispute_problems, payout_problems

    return (unbalanced_transactions() + empty_transactions() + balance_problems()
            + book_problems() + payout_problems() + dispute_problems())

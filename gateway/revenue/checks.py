"""Ledger invariants that concern payouts, transfer reversals and disputes."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.models import COIN_CURRENCY, LedgerAccount, LedgerTransaction
from gateway.revenue.models import Payout


def _reversals(payout_txn_id: int) -> tuple[bool, int]:
    """Whether the payout was voided, and how much of it transfer reversals returned."""
    voided, reversed_amount = False, 0
    for txn in db.session.scalars(select(LedgerTransaction).where(
            LedgerTransaction.reverses_id == payout_txn_id)):
        if txn.kind == "transfer.reversal":
            reversed_amount += int(txn.details.get("amount", 0))
        else:
            voided = True
    return voided, reversed_amount


def payout_problems() -> list[str]:
    """Payouts whose ledger lines do not add up to their amount, or over-reversed ones."""
    problems = []
    for payout in db.session.scalars(select(Payout).order_by(Payout.id)):
        txn = db.session.get(LedgerTransaction, payout.ledger_transaction_id)
        if txn is None:
            problems.append(f"payout {payout.id} has no ledger transaction")
            continue
        taken = -sum(leg.amount for leg in txn.legs if leg.account.kind == "available")
        if taken != payout.amount:
            problems.append(f"payout {payout.id} of {payout.amount} moved {taken} in the ledger")
        voided, reversed_amount = _reversals(txn.id)
        if payout.status == "failed" and not voided:
            problems.append(f"payout {payout.id} failed but was never voided")
        if payout.status != "failed" and voided:
            problems.append(f"payout {payout.id} is {payout.status} but was voided")
        if reversed_amount > payout.amount:
            problems.append(f"payout {payout.id} of {payout.amount} had {reversed_amount} "
                            "reversed")
        if (payout.status == "reversed") != (reversed_amount == payout.amount > 0):
            problems.append(f"payout {payout.id} is {payout.status} with {reversed_amount} of "
                            f"{payout.amount} reversed")
    return problems


def _open_disputes() -> list[LedgerTransaction]:
    closed = {t.details.get("created_txn") for t in db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind.in_(
            ("dispute.won", "dispute.lost"))))}
    return [t for t in db.session.scalars(select(LedgerTransaction).where(
        LedgerTransaction.kind == "dispute.created")) if t.id not in closed]


def dispute_problems() -> list[str]:
    """The disputes holding must be ≥ 0 and equal the open disputes; frozen coins likewise."""
    problems = []
    open_disputes = _open_disputes()
    held = db.session.scalar(select(LedgerAccount.balance).where(
        LedgerAccount.owner_type == "platform", LedgerAccount.kind == "disputes",
        LedgerAccount.currency == ledger.money_currency())) or 0
    expected = sum(int(t.details["amount"]) for t in open_disputes)
    if held < 0:
        problems.append(f"the disputes holding is negative: {held}")
    if held != expected:
        problems.append(f"the disputes holding is {held} but open disputes add up to {expected}")
    frozen: dict[int, int] = defaultdict(int)
    for txn in open_disputes:
        frozen[int(txn.details["user_id"])] += int(txn.details["frozen"])
    for acct in db.session.scalars(select(LedgerAccount).where(
            LedgerAccount.owner_type == "user", LedgerAccount.kind == "frozen",
            LedgerAccount.currency == COIN_CURRENCY)):
        want = frozen.pop(acct.owner_id, 0)
        if acct.balance != want:
            problems.append(f"user {acct.owner_id} has {acct.balance} frozen coins but open "
                            f"disputes froze {want}")
    problems += [f"user {u} should have {n} frozen coins but has none"
                 for u, n in frozen.items() if n]
    return problems

"""Ledger invariants that concern payouts."""

from __future__ import annotations

from sqlalchemy import select

from gateway.extensions import db
from gateway.ledger.models import LedgerTransaction
from gateway.revenue.models import Payout


def payout_problems() -> list[str]:
    """Payouts whose ledger lines do not add up to their amount."""
    problems = []
    for payout in db.session.scalars(select(Payout).order_by(Payout.id)):
        txn = db.session.get(LedgerTransaction, payout.ledger_transaction_id)
        if txn is None:
            problems.append(f"payout {payout.id} has no ledger transaction")
            continue
        taken = -sum(leg.amount for leg in txn.legs if leg.account.kind == "available")
        if taken != payout.amount:
            problems.append(f"payout {payout.id} of {payout.amount} moved {taken} in the ledger")
        voided = db.session.scalar(select(LedgerTransaction.id).where(
            LedgerTransaction.reverses_id == txn.id))
        if payout.status == "failed" and voided is None:
            problems.append(f"payout {payout.id} failed but was never voided")
        if payout.status != "failed" and voided is not None:
            problems.append(f"payout {payout.id} is {payout.status} but was voided")
    return problems

"""Payouts: connected accounts, and `gateway payouts run` (one Stripe Transfer per payout).

A payout is posted pending first (available → paid_out, Payout row `pending`), committed, and
only then sent to Stripe with the ledger transaction id as the idempotency key. It is then made
final (`paid`, transfer id kept) or voided (a linked reversal, `failed`). A run that died
after sending resumes its pending payouts with the same key, so Stripe transfers once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import stripe
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from gateway.audit import services as audit
from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.models import LedgerTransaction
from gateway.outbox.services import enqueue_for_developer
from gateway.revenue.models import ConnectedAccount, Payout
from gateway.revenue.stripe_client import client, currency_code
from gateway.timeutil import isoformat, utcnow

log = logging.getLogger(__name__)
PAYOUTS_LOCK = 0x5A43_5041  # pg advisory lock key of `gateway payouts run` ("ZCPA")


def connect_account(developer_id: int, return_url: str, refresh_url: str) -> str:
    """Create (once) the developer's Stripe account; return a fresh onboarding link URL."""
    stripe_client = client()
    connected = db.session.scalar(select(ConnectedAccount).where(
        ConnectedAccount.developer_id == developer_id))
    if connected is None:
        account = stripe_client.v1.accounts.create(
            params={"type": "express", "capabilities": {"transfers": {"requested": True}},
                    "metadata": {"zc_developer_id": str(developer_id)}},
            options={"idempotency_key": f"connect-{developer_id}"})
        connected = ConnectedAccount(developer_id=developer_id, stripe_account_id=account.id)
        db.session.add(connected)
        db.session.flush()
    link = stripe_client.v1.account_links.create(params={
        "account": connected.stripe_account_id, "type": "account_onboarding",
        "return_url": return_url, "refresh_url": refresh_url})
    return str(link.url)


def record_account(account_id: str, payouts_enabled: bool, details_submitted: bool) -> None:
    """Apply an `account.updated` event to the connected account we know."""
    connected = db.session.scalar(select(ConnectedAccount).where(
        ConnectedAccount.stripe_account_id == account_id))
    if connected is not None:
        connected.payouts_enabled = payouts_enabled
        connected.details_submitted = details_submitted
        db.session.flush()


def _start(connected: ConnectedAccount, amount: int) -> Payout:
    """Post the pending payout transaction and its Payout row."""
    count = db.session.query(Payout).filter_by(developer_id=connected.developer_id).count()
    legs = [(ledger.developer(connected.developer_id, "available"), -amount),
            (ledger.developer(connected.developer_id, "paid_out"), amount)]
    txn = ledger.post(f"payout:{connected.developer_id}:{count + 1}", "payout", legs,
                      memo="Payout to Stripe", details={"account": connected.stripe_account_id})
    payout = Payout(developer_id=connected.developer_id, amount=amount,
                    currency=ledger.money_currency(), ledger_transaction_id=txn.id)
    db.session.add(payout)
    db.session.flush()
    return payout


def _send(payout: Payout, destination: str) -> None:
    """Transfer a pending payout, then make it final or void it; commits."""
    try:
        transfer = client().v1.transfers.create(
            params={"amount": payout.amount, "currency": currency_code(),
                    "destination": destination, "metadata": {"zc_payout_id": str(payout.id)}},
            options={"idempotency_key": f"ledger-txn-{payout.ledger_transaction_id}"})
    except stripe.InvalidRequestError as exc:  # refused for good: give the money back
        void(payout, str(exc.user_message or exc)[:255])
    except stripe.StripeError as exc:  # network or Stripe trouble: stays pending, resumed later
        log.warning("payout %s not confirmed: %s", payout.id, exc)
        payout.error = str(exc)[:255]
    else:
        payout.status, payout.stripe_transfer_id = "paid", transfer.id
        payout.finished_at = utcnow()
        audit.record("payout.paid", actor_id=None, subject_type="user",
                     subject_id=str(payout.developer_id), amount=payout.amount)
        from gateway.notifications.mails import payout_sent

        payout_sent(payout.developer_id, payout.id, payout.amount, payout.currency,
                    payout.finished_at)
        _announce(payout, "payout.sent")
    db.session.commit()


def void(payout: Payout, reason: str) -> None:
    """Void a payout: reverse its ledger transaction (money back to available)."""
    original = db.session.get(LedgerTransaction, payout.ledger_transaction_id)
    assert original is not None
    ledger.reverse(original, f"payout-void:{payout.id}", memo=f"Payout voided: {reason}"[:255])
    payout.status, payout.error, payout.finished_at = "failed", reason, utcnow()
    audit.record("payout.voided", actor_id=None, subject_type="user",
                 subject_id=str(payout.developer_id), amount=payout.amount, reason=reason)
    _announce(payout, "payout.failed")
    db.session.flush()


def _announce(payout: Payout, event_type: str) -> None:
    """The payout's webhook event to the developer's apps, in the payout's own transaction."""
    enqueue_for_developer(payout.developer_id, event_type, {
        "payout_id": payout.id, "amount": payout.amount, "currency": payout.currency,
        "status": payout.status, "error": payout.error,
        "finished_at": isoformat(payout.finished_at)})


def recover_receivable(developer_id: int) -> None:
    """Offset what the developer owes (refunds after payout) against their available money."""
    available = ledger.developer(developer_id, "available")
    receivable = ledger.developer(developer_id, "receivable")
    amount = min(ledger.balance(available), ledger.balance(receivable))
    if amount > 0:
        count = db.session.query(LedgerTransaction).filter_by(kind="recovery").count()
        ledger.post(f"recovery:{developer_id}:{count + 1}", "recovery",
                    [(available, -amount), (receivable, amount)], memo="Refunds recovered")


class PayoutsRunning(Exception):
    """Another `gateway payouts run` holds the payouts lock: this one does nothing."""


@contextmanager
def exclusive_run() -> Iterator[None]:
    """Hold the payouts advisory lock (PostgreSQL) for the run, or raise PayoutsRunning.

    The lock lives on its own connection, as the run commits (and so releases its session's
    connection) many times. SQLite serialises writers itself; `_start` also refuses a payout
    another run posted first.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": PAYOUTS_LOCK}):
            conn.rollback()
            raise PayoutsRunning()
        conn.commit()  # the lock is the session's; no transaction is held open with it
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PAYOUTS_LOCK})
            conn.commit()


def run_payouts() -> list[Payout]:
    """Pay available balances, unless another run is at it (PayoutsRunning)."""
    with exclusive_run():
        return _run_payouts()


def _run_payouts() -> list[Payout]:
    """Resume pending payouts, then pay every available balance above ZC_PAYOUT_MINIMUM."""
    minimum = int(current_app.config.get("ZC_PAYOUT_MINIMUM", 10000))
    accounts = {c.developer_id: c for c in db.session.scalars(select(ConnectedAccount))}
    for payout in db.session.scalars(select(Payout).where(Payout.status == "pending")).all():
        if payout.developer_id in accounts:
            _send(payout, accounts[payout.developer_id].stripe_account_id)
    started = []
    for connected in accounts.values():
        if not connected.payouts_enabled:
            continue
        recover_receivable(connected.developer_id)
        amount = ledger.balance(ledger.developer(connected.developer_id, "available"))
        if amount < max(minimum, 1):
            continue
        try:
            payout = _start(connected, amount)
            db.session.commit()  # the pending posting is durable before Stripe hears of it
        except IntegrityError:  # a concurrent run (SQLite) posted this payout first
            db.session.rollback()
            log.info("payout of developer %s already started elsewhere", connected.developer_id)
            continue
        _send(payout, connected.stripe_account_id)
        started.append(payout)
    return started

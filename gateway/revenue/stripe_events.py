"""Ledger effects of Stripe events: refunds and disputes of top-ups, transfer reversals,
platform bank payouts and pending funds becoming available. Flush, never commit.

Each event is applied once (the webhook records its id), and every posting also carries an
idempotency key derived from the Stripe object, so a replay can never post twice. Stripe sends
cumulative amounts (`amount_refunded`, `amount_reversed`); the delta against what the ledger
already booked for that object is what moves, under a lock so that concurrent events of the
same object serialise. Events that overtake the one they follow (a refund before the top-up's
`payment_intent.succeeded`, a dispute's closing before its opening) apply the earlier effect first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from gateway.audit import services as audit
from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.models import COIN_CURRENCY, LedgerTransaction
from gateway.ledger.services import Leg
from gateway.revenue.models import Payout

Obj = dict[str, Any]


def _serialise(name: str) -> None:
    """Serialise handlers that read what earlier ones of the same object booked.

    A transaction-scoped advisory lock on PostgreSQL, taken before any ledger row lock, so it
    cannot join a deadlock with `ledger.post`'s id-ordered row locks. SQLite needs none: the
    event row inserted before the handler already holds its single writer lock.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                           {"name": f"zc-stripe:{name}"})


def _booked(prefix: str) -> list[LedgerTransaction]:
    """Transactions already posted under keys starting with `prefix`."""
    return list(db.session.scalars(select(LedgerTransaction).where(
        LedgerTransaction.idempotency_key.startswith(prefix, autoescape=True))))


def _topup(intent_id: object) -> LedgerTransaction | None:
    """The coin top-up credited for this PaymentIntent, if it was one of ours."""
    return ledger.find(f"topup:{intent_id}") if intent_id else None


def take_money(amount: int) -> list[Leg]:
    """Credit legs taking `amount` from the platform's Stripe money: available first."""
    available, pending = ledger.platform("stripe_available"), ledger.platform("stripe_pending")
    from_available = min(amount, max(ledger.balance(available), 0))
    return [(available, from_available), (pending, amount - from_available)]


def _coins_back(coins: int) -> list[Leg]:
    """Legs removing `coins` from circulation (the user's side is added by the caller)."""
    unit = ledger.coin_minor_units()
    return [(ledger.platform("clearing", COIN_CURRENCY), coins),
            (ledger.platform("clearing"), -coins * unit)]


def _charged_topup(charge: Obj) -> LedgerTransaction | None:
    """The charge's top-up, credited now from its metadata if its own event is still to come."""
    meta = charge.get("metadata") or {}
    if (topup := _topup(charge.get("payment_intent"))) is not None:
        return topup
    if meta.get("zc_purpose") != "topup" or not charge.get("payment_intent"):
        return None
    from gateway.wallet.services import credit_topup

    return credit_topup(int(meta["zc_user_id"]), int(meta["zc_coins"]),
                        str(charge["payment_intent"]))


def charge_refunded(obj: Obj) -> LedgerTransaction | None:
    """Take refunded money's coins back; coins already spent become the user's receivable."""
    topup = _charged_topup(obj)
    if topup is None:
        return None
    user_id, topup_coins = int(topup.details["user_id"]), int(topup.details["coins"])
    _serialise(str(topup.idempotency_key))
    coins = ledger.user_coins(user_id)
    charge_id, total = str(obj["id"]), int(obj["amount_refunded"])
    prior = _booked(f"refund:{charge_id}:")
    delta = total - sum(int(t.details["money"]) for t in prior)
    if delta <= 0:
        return None
    unit = ledger.coin_minor_units()
    due = min(delta // unit, topup_coins - sum(int(t.details["coins_due"]) for t in prior))
    taken = min(max(due, 0), ledger.balance(coins))
    owed = delta - taken * unit
    legs = [(coins, -taken), *_coins_back(taken), *take_money(delta),
            (ledger.account("user", user_id, "receivable"), -owed)]
    txn = ledger.post(f"refund:{charge_id}:{total}", "topup.refund", legs, reverses=topup,
                      memo=f"Stripe refund of {delta} on {charge_id}",
                      details={"user_id": user_id, "charge": charge_id, "money": delta,
                               "coins_due": max(due, 0), "coins": taken, "owed": owed})
    audit.record("coins.refunded", actor_id=None, subject_type="user", subject_id=str(user_id),
                 coins=taken, owed=owed, charge=charge_id)
    return txn


def dispute_created(obj: Obj) -> LedgerTransaction | None:
    """Hold the withdrawn money in `disputes` and freeze the disputed coins still unspent."""
    topup = _topup(obj.get("payment_intent"))
    if topup is None:
        return None
    user_id, amount = int(topup.details["user_id"]), int(obj["amount"])
    _serialise(str(topup.idempotency_key))
    coins = ledger.user_coins(user_id)
    covered = min(amount // ledger.coin_minor_units(), int(topup.details["coins"]))
    frozen = min(covered, ledger.balance(coins))
    legs = [(ledger.platform("disputes"), -amount), *take_money(amount), (coins, -frozen),
            (ledger.account("user", user_id, "frozen", COIN_CURRENCY), frozen)]
    return ledger.post(f"dispute:{obj['id']}:created", "dispute.created", legs,
                       memo=f"Dispute {obj['id']} on {obj.get('charge')}",
                       details={"user_id": user_id, "dispute": str(obj["id"]),
                                "amount": amount, "frozen": frozen})


def dispute_closed(obj: Obj) -> LedgerTransaction | None:
    """Won: money back to Stripe available, coins unfrozen. Lost: a loss, frozen coins removed."""
    status = str(obj["status"])
    if status not in ("won", "lost"):
        return None
    created = ledger.find(f"dispute:{obj['id']}:created") or dispute_created(obj)
    if created is None:
        return None
    user_id, amount = int(created.details["user_id"]), int(created.details["amount"])
    frozen = int(created.details["frozen"])
    held = ledger.account("user", user_id, "frozen", COIN_CURRENCY)
    legs: list[Leg] = [(ledger.platform("disputes"), amount), (held, -frozen)]
    if status == "won":
        legs += [(ledger.platform("stripe_available"), -amount),
                 (ledger.user_coins(user_id), frozen)]
    else:  # the removed coins cover part of the loss; the rest was already spent
        unit = ledger.coin_minor_units()
        legs += [*_coins_back(frozen),
                 (ledger.platform("losses"), -(amount - frozen * unit))]
    return ledger.post(f"dispute:{obj['id']}:closed", f"dispute.{status}", legs,
                       reverses=created if status == "won" else None,
                       memo=f"Dispute {obj['id']} {status}",
                       details={"user_id": user_id, "dispute": str(obj["id"]),
                                "created_txn": created.id})


def transfer_reversed(obj: Obj) -> LedgerTransaction | None:
    """Reversed payout money: offsets the developer's receivable first, the rest is available."""
    payout = db.session.scalar(select(Payout).where(
        Payout.stripe_transfer_id == str(obj["id"])).with_for_update())
    if payout is None or payout.status not in ("paid", "reversed"):
        return None
    total = int(obj["amount_reversed"])
    booked = sum(int(t.details["amount"]) for t in _booked(f"transfer-reversal:{payout.id}:"))
    delta = min(total, payout.amount) - booked
    if delta <= 0:
        return None
    developer_id = payout.developer_id
    receivable = ledger.developer(developer_id, "receivable")
    offset = min(delta, max(ledger.balance(receivable), 0))
    legs = [(ledger.developer(developer_id, "paid_out"), -delta), (receivable, offset),
            (ledger.developer(developer_id, "available"), delta - offset)]
    original = db.session.get(LedgerTransaction, payout.ledger_transaction_id)
    txn = ledger.post(f"transfer-reversal:{payout.id}:{total}", "transfer.reversal", legs,
                      reverses=original, memo=f"Transfer {obj['id']} reversed",
                      details={"payout_id": payout.id, "transfer": str(obj["id"]),
                               "amount": delta, "receivable_offset": offset})
    if booked + delta >= payout.amount:
        payout.status = "reversed"
    audit.record("payout.reversed", actor_id=None, subject_type="user",
                 subject_id=str(developer_id), amount=delta, payout_id=payout.id)
    db.session.flush()
    return txn


def _ours(obj: Obj) -> bool:
    return str(obj.get("currency", "")).upper() == ledger.money_currency().upper()


def payout_paid(obj: Obj) -> LedgerTransaction | None:
    """The platform's bank payout arrived: stripe_available → bank."""
    if not _ours(obj):
        return None
    amount = int(obj["amount"])
    return ledger.post(f"bank-payout:{obj['id']}", "bank.payout",
                       [(ledger.platform("stripe_available"), amount),
                        (ledger.platform("bank"), -amount)],
                       memo=f"Stripe payout {obj['id']} to the bank")


def payout_failed(obj: Obj) -> LedgerTransaction | None:
    """Nothing moved for a pending payout; a payout that failed after `paid` is reversed."""
    paid = ledger.find(f"bank-payout:{obj['id']}")
    if paid is None:
        return None
    return ledger.reverse(paid, f"bank-payout-failed:{obj['id']}",
                          memo=f"Stripe payout {obj['id']} failed")


def balance_available(obj: Obj, event_id: str) -> LedgerTransaction | None:
    """Mirror Stripe: ledger stripe_pending above Stripe's pending becomes stripe_available."""
    _serialise("balance")
    pending = ledger.platform("stripe_pending")
    theirs = sum(int(p["amount"]) for p in obj.get("pending") or [] if _ours(p))
    ours = ledger.balance(pending)
    move = ours - min(ours, max(theirs, 0))
    if move <= 0:
        return None
    return ledger.post(f"balance-available:{event_id}", "stripe.available",
                       [(pending, move), (ledger.platform("stripe_available"), -move)],
                       memo="Stripe funds became available")

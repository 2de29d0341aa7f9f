"""Top-ups and grants of coins. Flush, never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app

from gateway.audit import services as audit
from gateway.ledger import services as ledger
from gateway.ledger.models import LedgerTransaction
from gateway.wallet.errors import InvalidAmount

MAX_COINS = 1_000_000


def check_amount(coins: object) -> int:
    """A coin amount that is a positive int no bigger than MAX_COINS, else InvalidAmount."""
    if isinstance(coins, bool) or not isinstance(coins, int) or not 0 < coins <= MAX_COINS:
        raise InvalidAmount()
    return coins


@dataclass(frozen=True)
class TopUp:
    """What a provider did with a top-up: credited at once, or waiting for a payment."""

    credited: bool
    reference: str
    redirect_url: str | None = None  # the provider's payment page


def provider_name() -> str:
    """The configured provider: "sandbox" (default) or "stripe"."""
    return str(current_app.config.get("ZC_PAYMENT_PROVIDER") or "sandbox")


def credit_topup(user_id: int, coins: int, reference: str) -> LedgerTransaction:
    """Credit bought coins once per provider reference (money lands in stripe_pending), then
    recover what the user owes from them."""
    from gateway.notifications.mails import topup_receipt

    key = f"topup:{reference}"
    fresh = ledger.find(key) is None  # a replayed provider event sends no second receipt
    legs = ledger.coin_legs(coins, ledger.platform("stripe_pending"), user_id)
    txn = ledger.post(key, "topup", legs, memo=f"Top-up of {coins} coins",
                      details={"user_id": user_id, "coins": coins, "reference": reference})
    if fresh:
        topup_receipt(user_id, coins, coins * ledger.coin_minor_units(),
                      ledger.money_currency(), reference, txn.created_at)
    recover_receivable(user_id, coins, reference)
    return txn


def recover_receivable(user_id: int, coins: int, reference: str) -> LedgerTransaction | None:
    """Take what the user owes (their `receivable`, left by a refund of coins already spent)
    out of a top-up's `coins`: whole coins only, so less than one coin's worth stays owed.
    Once per top-up (keyed by its reference)."""
    key = f"recovery:topup:{reference}"
    if (done := ledger.find(key)) is not None:  # a replayed top-up recovers nothing again
        return done
    owed = ledger.balance(ledger.account("user", user_id, "receivable"))
    unit = ledger.coin_minor_units()
    taken = min(coins, owed // unit, ledger.coin_balance(user_id))
    if taken <= 0:
        return None
    # coin_legs with a negative amount: the coins leave the user and circulation, and their
    # money settles the receivable.
    legs = ledger.coin_legs(-taken, ledger.account("user", user_id, "receivable"), user_id)
    txn = ledger.post(key, "receivable.recovery", legs,
                      memo=f"Recovered {taken} coins owed from top-up {reference}",
                      details={"user_id": user_id, "coins": taken, "money": taken * unit,
                               "reference": reference})
    audit.record("coins.recovered", actor_id=None, subject_type="user", subject_id=str(user_id),
                 coins=taken, money=taken * unit, reference=reference)
    return txn


def start_topup(user_id: int, coins: int, return_url: str = "") -> TopUp:
    """Start a top-up with the configured provider (Stripe: a Checkout Session to visit)."""
    check_amount(coins)
    if provider_name() == "stripe":
        from gateway.revenue.stripe_payments import create_topup_session

        session_id, url = create_topup_session(user_id, coins, return_url, return_url)
        return TopUp(False, session_id, url)
    reference = "sandbox_" + secrets.token_hex(12)
    credit_topup(user_id, coins, reference)
    audit.record("coins.topup", actor_id=user_id, subject_type="user", subject_id=str(user_id),
                 coins=coins, provider="sandbox")
    return TopUp(True, reference)


def grant(user_id: int, coins: int, *, actor_id: int | None = None,
          key: str | None = None) -> LedgerTransaction:
    """An operator's promotional credit: coins paid for by the platform's `fees` account."""
    check_amount(coins)
    key = key or "grant:" + secrets.token_hex(12)
    legs = ledger.coin_legs(coins, ledger.platform("fees"), user_id)
    txn = ledger.post(key, "grant", legs, memo=f"Promotional credit of {coins} coins",
                      details={"user_id": user_id, "coins": coins})
    audit.record("coins.granted", actor_id=actor_id, subject_type="user",
                 subject_id=str(user_id), coins=coins)
    return txn

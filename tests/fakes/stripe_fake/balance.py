"""Balance transactions and the balance computed from them, per account and currency."""

from __future__ import annotations

from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.errors import insufficient_balance, invalid, resource_missing
from tests.fakes.stripe_fake.state import FakeStripeState, new_id

PENDING_DAYS = 2
_CATEGORIES = {
    "charge": "charge", "refund": "refund", "transfer": "transfer", "payment": "charge",
    "transfer_refund": "transfer_reversal", "payment_refund": "refund", "payout": "payout",
    "payout_failure": "payout_reversal", "topup": "topup", "adjustment": "other_adjustment",
}


def record(state: FakeStripeState, *, account: str | None, amount: int, currency: str,
           type: str, source: str | None, fee: int = 0, pending: bool = False,
           description: str | None = None, category: str | None = None) -> Obj:
    """Post one balance transaction; the balance is the sum of their `net`."""
    created = state.now()
    txn: Obj = {
        "id": new_id("txn"), "object": "balance_transaction", "amount": amount,
        "available_on": created + (PENDING_DAYS * 86400 if pending else 0),
        "created": created, "currency": currency, "description": description,
        "exchange_rate": None, "fee": fee,
        "fee_details": [{"amount": fee, "application": None, "currency": currency,
                         "description": "Stripe processing fees", "type": "stripe_fee"}]
        if fee else [],
        "net": amount - fee,
        "reporting_category": category or _CATEGORIES.get(type, "other_adjustment"),
        "source": source, "status": "pending" if pending else "available", "type": type,
        "_account": account,
    }
    return state.add(txn)


def amounts(state: FakeStripeState, account: str | None) -> dict[str, dict[str, int]]:
    """`{currency: {"available": n, "pending": n}}` for one account (None: the platform)."""
    totals: dict[str, dict[str, int]] = {}
    for txn in reversed(state.all("balance_transaction")):
        if txn["_account"] != account:
            continue
        bucket = totals.setdefault(txn["currency"], {"available": 0, "pending": 0})
        bucket[txn["status"]] += txn["net"]
    return totals


def available(state: FakeStripeState, account: str | None, currency: str) -> int:
    """The available amount in one currency."""
    return amounts(state, account).get(currency, {}).get("available", 0)


def require_available(state: FakeStripeState, account: str | None, currency: str,
                      amount: int) -> None:
    """Raise `balance_insufficient` unless `amount` is available."""
    if available(state, account, currency) < amount:
        raise insufficient_balance()


def balance_object(state: FakeStripeState, account: str | None) -> Obj:
    """Stripe's `balance` object."""
    totals = amounts(state, account) or {"usd": {"available": 0, "pending": 0}}

    def side(name: str) -> list[Obj]:
        return [{"amount": t[name], "currency": c, "source_types": {"card": t[name]}}
                for c, t in sorted(totals.items())]

    return {"object": "balance", "available": side("available"),
            "connect_reserved": [{"amount": 0, "currency": c} for c in sorted(totals)],
            "livemode": False, "pending": side("pending")}


def settle(state: FakeStripeState, account: str | None = None,
           currency: str | None = None) -> Obj:
    """Make pending funds available now; emits `balance.available` if anything moved."""
    moved = False
    for txn in state.all("balance_transaction"):
        if txn["status"] == "pending" and txn["_account"] == account and (
            currency is None or txn["currency"] == currency
        ):
            txn["status"], txn["available_on"] = "available", state.now()
            moved = True
    balance = balance_object(state, account)
    if moved:
        state.emit("balance.available", balance, account=account)
    return balance


def add_funds(state: FakeStripeState, amount: int, currency: str, *,
              account: str | None = None, pending: bool = False) -> Obj:
    """Credit test funds (a `topup` balance transaction)."""
    if amount == 0:
        raise invalid("Invalid positive integer", param="amount")
    return record(state, account=account, amount=amount, currency=currency, type="topup",
                  source=new_id("tu"), pending=pending, description="Fake test funds")


def retrieve_balance(call: Call) -> Obj:
    """GET /v1/balance (of the `Stripe-Account`, else the platform)."""
    call.params.allow()
    return balance_object(call.state, call.account)


def retrieve_transaction(call: Call, txn_id: str) -> Obj:
    """GET /v1/balance_transactions/<id>."""
    call.params.allow()
    txn = call.state.get("balance_transaction", txn_id, kind="balance transaction")
    if txn["_account"] != call.account:
        raise resource_missing("balance transaction", txn_id)
    return txn


def list_transactions(call: Call) -> Obj:
    """GET /v1/balance_transactions (filters: `type`, `source`, `currency`)."""
    p = call.params.allow("limit", "starting_after", "ending_before", "type", "source",
                          "currency", "created", "payout")
    wanted = {k: p.string(k) for k in ("type", "source", "currency") if p.string(k)}
    items = [t for t in call.state.all("balance_transaction")
             if t["_account"] == call.account and all(t[k] == v for k, v in wanted.items())]
    return call.state.list_page(items, p, "/v1/balance_transactions")


ROUTES: list[Route] = [
    ("GET", "/v1/balance", retrieve_balance),
    ("GET", "/v1/balance_transactions/<txn_id>", retrieve_transaction),
    ("GET", "/v1/balance_transactions", list_transactions),
]

"""Payouts to the bank, from the platform or (with `Stripe-Account`) a connected account."""

from __future__ import annotations

from tests.fakes.stripe_fake import balance
from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.errors import invalid, resource_missing
from tests.fakes.stripe_fake.state import FakeStripeState, new_id

ARRIVAL_DAYS = 2
FAILURES = {
    "account_closed": "The bank account has been closed.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "no_account": "The bank account details on file are probably incorrect.",
}


def _check_account(state: FakeStripeState, account_id: str | None) -> None:
    if account_id is None:
        return
    account = state.get("account", account_id, kind="account")
    if not account["payouts_enabled"]:
        raise invalid("Payouts are not enabled for this account.", code="payouts_not_allowed")


def create_payout(call: Call) -> Obj:
    """POST /v1/payouts: from available funds, status `pending` until a control settles it."""
    p = call.params.allow("amount", "currency", "description", "destination", "metadata",
                          "method", "source_type", "statement_descriptor", "payout_method")
    amount, currency = p.amount(), p.currency()
    assert currency is not None
    state = call.state
    _check_account(state, call.account)
    balance.require_available(state, call.account, currency, amount)
    payout_id = new_id("po")
    txn = balance.record(state, account=call.account, amount=-amount, currency=currency,
                         type="payout", source=payout_id, description=p.string("description"))
    created = state.now()
    payout: Obj = {
        "id": payout_id, "object": "payout", "amount": amount,
        "arrival_date": created + ARRIVAL_DAYS * 86400, "automatic": False,
        "balance_transaction": txn["id"], "created": created, "currency": currency,
        "description": p.string("description"),
        "destination": p.string("destination") or new_id("ba"), "failure_balance_transaction":
        None, "failure_code": None, "failure_message": None, "livemode": False,
        "metadata": p.metadata(), "method": p.string("method") or "standard",
        "source_type": p.string("source_type") or "card",
        "statement_descriptor": p.string("statement_descriptor"), "status": "pending",
        "type": "bank_account", "_account": call.account,
    }
    state.add(payout)
    state.emit("payout.created", payout, account=call.account)
    return payout


def _get(call: Call, payout_id: str) -> Obj:
    payout = call.state.get("payout", payout_id)
    if payout["_account"] != call.account:
        raise resource_missing("payout", payout_id)
    return payout


def retrieve_payout(call: Call, payout_id: str) -> Obj:
    """GET /v1/payouts/<id>."""
    call.params.allow()
    return _get(call, payout_id)


def list_payouts(call: Call) -> Obj:
    """GET /v1/payouts (of the `Stripe-Account`, else the platform)."""
    p = call.params.allow("limit", "starting_after", "ending_before", "status", "created",
                          "arrival_date", "destination")
    status = p.string("status")
    items = [o for o in call.state.all("payout") if o["_account"] == call.account
             and (status is None or o["status"] == status)]
    return call.state.list_page(items, p, "/v1/payouts")


def settle_payout(state: FakeStripeState, payout_id: str, *, paid: bool,
                  failure_code: str = "account_closed") -> Obj:
    """Mark a pending payout paid, or failed (funds return); emits `payout.paid`/`.failed`."""
    payout = state.get("payout", payout_id)
    if payout["status"] != "pending":
        raise invalid(f"Payout {payout_id} is already {payout['status']}.")
    if paid:
        payout["status"] = "paid"
    else:
        txn = balance.record(state, account=payout["_account"], amount=payout["amount"],
                             currency=payout["currency"], type="payout_failure",
                             source=payout_id, description="Payout failure")
        payout.update({"status": "failed", "failure_balance_transaction": txn["id"],
                       "failure_code": failure_code,
                       "failure_message": FAILURES.get(failure_code, "The payout failed.")})
    state.emit(f"payout.{payout['status']}", payout, account=payout["_account"])
    return payout


ROUTES: list[Route] = [
    ("POST", "/v1/payouts", create_payout),
    ("GET", "/v1/payouts", list_payouts),
    ("GET", "/v1/payouts/<payout_id>", retrieve_payout),
]

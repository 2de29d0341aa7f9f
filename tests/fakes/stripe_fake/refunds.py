"""Refunds (full and partial) and disputes opened and closed by test controls."""

from __future__ import annotations

from tests.fakes.stripe_fake import balance
from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.errors import invalid, missing_param
from tests.fakes.stripe_fake.state import FakeStripeState, new_id, public_view

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _charge_to_refund(call: Call) -> Obj:
    p, state = call.params, call.state
    charge_id, intent_id = p.string("charge"), p.string("payment_intent")
    if charge_id and intent_id:
        raise invalid("You can only pass one of charge or payment_intent.")
    if intent_id:
        intent = state.get("payment_intent", intent_id, kind="payment_intent",
                           param="payment_intent")
        if intent["status"] != "succeeded":
            raise invalid(f"This PaymentIntent ({intent_id}) does not have a successful charge "
                          "to refund.", code="charge_not_refundable", param="payment_intent")
        charge_id = intent["latest_charge"]
    if not charge_id:
        raise missing_param("charge")
    return state.get("charge", charge_id, param="charge")


def _refundable(charge: Obj, amount: int | None) -> int:
    left = charge["amount"] - charge["amount_refunded"]
    if charge["status"] != "succeeded":
        raise invalid(f"Charge {charge['id']} has not succeeded.", code="charge_not_refundable")
    if charge["disputed"]:
        raise invalid(f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                      code="charge_disputed")
    if left == 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.",
                      code="charge_already_refunded")
    if amount is not None and amount > left:
        raise invalid(f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                      f"({left})", code="amount_too_large", param="amount")
    return left if amount is None else amount


def create_refund(call: Call) -> Obj:
    """POST /v1/refunds: by `charge` or `payment_intent`, optional partial `amount`."""
    p = call.params.allow("charge", "payment_intent", "amount", "metadata", "reason",
                          "reverse_transfer", "refund_application_fee", "instructions_email",
                          "currency", "customer", "origin")
    requested = p.integer("amount", minimum=1)
    reason = p.string("reason")
    if reason is not None and reason not in REASONS:
        raise invalid(f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason")
    charge = _charge_to_refund(call)
    amount = _refundable(charge, requested)
    state = call.state
    refund_id = new_id("re")
    txn = balance.record(state, account=None, amount=-amount, currency=charge["currency"],
                         type="refund", source=refund_id, description="REFUND FOR CHARGE")
    refund: Obj = {
        "id": refund_id, "object": "refund", "amount": amount,
        "balance_transaction": txn["id"], "charge": charge["id"], "created": state.now(),
        "currency": charge["currency"], "metadata": p.metadata(),
        "payment_intent": charge["payment_intent"], "reason": reason, "receipt_number": None,
        "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
    }
    state.add(refund)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    state.emit("refund.created", refund)
    state.emit("charge.refunded", charge)
    return refund


def retrieve_refund(call: Call, refund_id: str) -> Obj:
    """GET /v1/refunds/<id>."""
    call.params.allow()
    return call.state.get("refund", refund_id)


def list_refunds(call: Call) -> Obj:
    """GET /v1/refunds (filters: `charge`, `payment_intent`)."""
    p = call.params.allow("limit", "starting_after", "ending_before", "charge",
                          "payment_intent", "created")
    wanted = {k: p.string(k) for k in ("charge", "payment_intent") if p.string(k)}
    items = [r for r in call.state.all("refund") if all(r[k] == v for k, v in wanted.items())]
    return call.state.list_page(items, p, "/v1/refunds")


def open_dispute(state: FakeStripeState, charge_id: str, *, amount: int | None = None,
                 reason: str = "fraudulent") -> Obj:
    """Open a dispute on a charge: funds withdrawn, `charge.dispute.created`."""
    charge = state.get("charge", charge_id, param="charge")
    if charge["status"] != "succeeded" or charge["disputed"]:
        raise invalid(f"Charge {charge_id} cannot be disputed now.")
    amount = amount or charge["amount"] - charge["amount_refunded"]
    dispute_id = new_id("dp")
    txn = balance.record(state, account=None, amount=-amount, currency=charge["currency"],
                         type="adjustment", source=dispute_id, category="dispute",
                         description=f"Chargeback withdrawal for {charge_id}")
    dispute: Obj = {
        "id": dispute_id, "object": "dispute", "amount": amount,
        "balance_transactions": [public_view(txn)], "charge": charge_id,
        "created": state.now(), "currency": charge["currency"], "evidence": {},
        "is_charge_refundable": False, "livemode": False, "metadata": {},
        "payment_intent": charge["payment_intent"], "reason": reason,
        "status": "needs_response",
    }
    state.add(dispute)
    charge["disputed"] = True
    state.emit("charge.dispute.created", dispute)
    return dispute


def close_dispute(state: FakeStripeState, dispute_id: str, *, won: bool) -> Obj:
    """Close a dispute as won (funds returned) or lost; emits `charge.dispute.closed`."""
    dispute = state.get("dispute", dispute_id)
    if dispute["status"] in ("won", "lost"):
        raise invalid(f"Dispute {dispute_id} is already closed.")
    if won:
        txn = balance.record(state, account=None, amount=dispute["amount"],
                             currency=dispute["currency"], type="adjustment",
                             source=dispute_id, category="dispute_reversal",
                             description=f"Chargeback reversal for {dispute['charge']}")
        dispute["balance_transactions"].append(public_view(txn))
    dispute["status"] = "won" if won else "lost"
    state.emit("charge.dispute.closed", dispute)
    return dispute


def retrieve_dispute(call: Call, dispute_id: str) -> Obj:
    """GET /v1/disputes/<id>."""
    call.params.allow()
    return call.state.get("dispute", dispute_id)


def list_disputes(call: Call) -> Obj:
    """GET /v1/disputes."""
    p = call.params.allow("limit", "starting_after", "ending_before", "charge",
                          "payment_intent", "created")
    return call.state.list_page(call.state.all("dispute"), p, "/v1/disputes")


ROUTES: list[Route] = [
    ("POST", "/v1/refunds", create_refund),
    ("GET", "/v1/refunds", list_refunds),
    ("GET", "/v1/refunds/<refund_id>", retrieve_refund),
    ("GET", "/v1/disputes", list_disputes),
    ("GET", "/v1/disputes/<dispute_id>", retrieve_dispute),
]

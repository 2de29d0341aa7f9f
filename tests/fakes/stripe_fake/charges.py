"""Test payment methods and the charges a confirmed PaymentIntent makes."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.stripe_fake import balance
from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.state import FakeStripeState, new_id


@dataclass(frozen=True)
class MagicCard:
    """A magic test payment method and what happens when it is charged."""

    brand: str
    last4: str
    decline: tuple[str, str, str] | None = None  # (code, decline_code, message)
    bypass_pending: bool = False


MAGIC_CARDS: dict[str, MagicCard] = {
    "pm_card_visa": MagicCard("visa", "4242"),
    "pm_card_mastercard": MagicCard("mastercard", "4444"),
    "pm_card_amex": MagicCard("amex", "8431"),
    "pm_card_bypassPending": MagicCard("visa", "0077", bypass_pending=True),
    "pm_card_chargeDeclined": MagicCard(
        "visa", "0002", ("card_declined", "generic_decline", "Your card was declined.")),
    "pm_card_chargeDeclinedInsufficientFunds": MagicCard(
        "visa", "9995",
        ("card_declined", "insufficient_funds", "Your card has insufficient funds.")),
    "pm_card_chargeDeclinedExpiredCard": MagicCard(
        "visa", "0069", ("expired_card", "expired_card", "Your card has expired.")),
}


def resolve_payment_method(state: FakeStripeState, ref: str, param: str) -> Obj:
    """A stored payment method, creating one from a magic test name such as `pm_card_visa`."""
    card = MAGIC_CARDS.get(ref)
    if card is None:
        return state.get("payment_method", ref, kind="PaymentMethod", param=param)
    return state.add({
        "id": new_id("pm"), "object": "payment_method",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "card": {"brand": card.brand, "country": "US", "exp_month": 12, "exp_year": 2034,
                 "funding": "credit", "last4": card.last4},
        "created": state.now(), "customer": None, "livemode": False, "metadata": {},
        "type": "card", "_test_card": ref,
    })


def card_behaviour(payment_method: Obj) -> MagicCard:
    """The behaviour of a payment method made from a test name (real ones succeed)."""
    return MAGIC_CARDS.get(payment_method.get("_test_card", ""), MAGIC_CARDS["pm_card_visa"])


def _outcome(card: MagicCard) -> Obj:
    if card.decline:
        return {"network_status": "declined_by_network", "reason": card.decline[1],
                "risk_level": "normal", "seller_message": "The bank did not return any "
                "further details with this decline.", "type": "issuer_declined"}
    return {"network_status": "approved_by_network", "reason": None, "risk_level": "normal",
            "seller_message": "Payment complete.", "type": "authorized"}


def create_charge(state: FakeStripeState, intent: Obj, payment_method: Obj) -> Obj:
    """Charge a PaymentIntent's amount; a successful charge posts a balance transaction."""
    card = card_behaviour(payment_method)
    charge: Obj = {
        "id": new_id("ch"), "object": "charge", "amount": intent["amount"],
        "amount_captured": 0 if card.decline else intent["amount"], "amount_refunded": 0,
        "balance_transaction": None, "billing_details": payment_method["billing_details"],
        "captured": card.decline is None, "created": state.now(),
        "currency": intent["currency"], "customer": intent["customer"],
        "description": intent["description"], "disputed": False,
        "failure_code": card.decline[0] if card.decline else None,
        "failure_message": card.decline[2] if card.decline else None,
        "livemode": False, "metadata": dict(intent["metadata"]),
        "outcome": _outcome(card), "paid": card.decline is None,
        "payment_intent": intent["id"], "payment_method": payment_method["id"],
        "payment_method_details": {"card": payment_method["card"], "type": "card"},
        "receipt_url": None, "refunded": False,
        "status": "failed" if card.decline else "succeeded",
        "transfer_group": intent["transfer_group"],
    }
    state.add(charge)
    if card.decline is None:
        fee = state.fee_for(charge["amount"])
        txn = balance.record(state, account=None, amount=charge["amount"],
                             currency=charge["currency"], type="charge", source=charge["id"],
                             fee=fee, pending=not card.bypass_pending,
                             description=charge["description"])
        charge["balance_transaction"] = txn["id"]
    state.emit("charge.failed" if card.decline else "charge.succeeded", charge)
    return charge


def retrieve_charge(call: Call, charge_id: str) -> Obj:
    """GET /v1/charges/<id>."""
    call.params.allow()
    return call.state.get("charge", charge_id)


def list_charges(call: Call) -> Obj:
    """GET /v1/charges (filters: `payment_intent`, `transfer_group`)."""
    p = call.params.allow("limit", "starting_after", "ending_before", "payment_intent",
                          "transfer_group", "customer", "created")
    wanted = {k: p.string(k) for k in ("payment_intent", "transfer_group") if p.string(k)}
    items = [c for c in call.state.all("charge") if all(c[k] == v for k, v in wanted.items())]
    return call.state.list_page(items, p, "/v1/charges")


def retrieve_payment_method(call: Call, pm_id: str) -> Obj:
    """GET /v1/payment_methods/<id>."""
    call.params.allow()
    return call.state.get("payment_method", pm_id, kind="PaymentMethod")


ROUTES: list[Route] = [
    ("GET", "/v1/charges/<charge_id>", retrieve_charge),
    ("GET", "/v1/charges", list_charges),
    ("GET", "/v1/payment_methods/<pm_id>", retrieve_payment_method),
]

"""PaymentIntents: create, confirm with test cards, cancel, update, and succeed on demand."""

from __future__ import annotations

import secrets

from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.charges import card_behaviour, create_charge, resolve_payment_method
from tests.fakes.stripe_fake.errors import card_error, unexpected_state
from tests.fakes.stripe_fake.state import FakeStripeState, new_id, public_view

CREATE = ("amount", "currency", "metadata", "automatic_payment_methods", "payment_method",
          "payment_method_types", "confirm", "description", "customer", "receipt_email",
          "statement_descriptor", "statement_descriptor_suffix", "transfer_group",
          "capture_method", "confirmation_method", "return_url", "setup_future_usage",
          "off_session", "on_behalf_of", "transfer_data", "application_fee_amount",
          "payment_method_options", "shipping", "error_on_requires_action", "use_stripe_sdk")
CONFIRM = ("payment_method", "return_url", "receipt_email", "off_session", "shipping",
           "payment_method_options", "setup_future_usage", "error_on_requires_action",
           "use_stripe_sdk", "capture_method")
UPDATE = ("amount", "currency", "metadata", "description", "payment_method", "receipt_email",
          "transfer_group", "statement_descriptor", "statement_descriptor_suffix", "customer",
          "shipping", "setup_future_usage", "payment_method_types")
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (*CONFIRMABLE, "requires_capture", "processing")


def create_payment_intent(call: Call) -> Obj:
    """POST /v1/payment_intents (with `confirm=true` it is confirmed at once)."""
    p = call.params.allow(*CREATE)
    amount, currency = p.amount(), p.currency()
    auto = p.hash("automatic_payment_methods")
    state = call.state
    intent_id = new_id("pi")
    payment_method = p.string("payment_method")
    if payment_method:
        payment_method = resolve_payment_method(state, payment_method, "payment_method")["id"]
    intent: Obj = {
        "id": intent_id, "object": "payment_intent", "amount": amount,
        "amount_capturable": 0, "amount_received": 0,
        "automatic_payment_methods": {"allow_redirects": auto.get("allow_redirects", "always"),
                                      "enabled": True} if auto.get("enabled") == "true"
        else None,
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
        "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
        "confirmation_method": "automatic", "created": state.now(), "currency": currency,
        "customer": p.string("customer"), "description": p.string("description"),
        "last_payment_error": None, "latest_charge": None, "livemode": False,
        "metadata": p.metadata(), "next_action": None, "on_behalf_of": None,
        "payment_method": payment_method,
        "payment_method_types": p.array("payment_method_types") or ["card"],
        "receipt_email": p.string("receipt_email"),
        "statement_descriptor": p.string("statement_descriptor"),
        "status": "requires_confirmation" if payment_method else "requires_payment_method",
        "transfer_group": p.string("transfer_group"),
    }
    state.add(intent)
    state.emit("payment_intent.created", intent)
    if p.boolean("confirm"):
        _confirm(state, intent, payment_method)
    return intent


def _get(state: FakeStripeState, intent_id: str) -> Obj:
    return state.get("payment_intent", intent_id, kind="payment_intent")


def retrieve_payment_intent(call: Call, intent_id: str) -> Obj:
    """GET /v1/payment_intents/<id>."""
    call.params.allow("client_secret")
    return _get(call.state, intent_id)


def update_payment_intent(call: Call, intent_id: str) -> Obj:
    """POST /v1/payment_intents/<id>."""
    p = call.params.allow(*UPDATE)
    intent = _get(call.state, intent_id)
    if intent["status"] in ("succeeded", "canceled"):
        raise unexpected_state(
            f"You cannot update this PaymentIntent because it has a status of {intent['status']}."
        )
    if p.has("amount"):
        intent["amount"] = p.amount()
    if p.has("currency"):
        intent["currency"] = p.currency()
    for field in ("description", "receipt_email", "transfer_group", "customer"):
        if p.has(field):
            intent[field] = p.string(field)
    if p.string("payment_method"):
        ref = p.required_string("payment_method")
        intent["payment_method"] = resolve_payment_method(call.state, ref, "payment_method")["id"]
        intent["status"] = "requires_confirmation"
    intent["metadata"] = p.metadata(intent["metadata"])
    return intent


def list_payment_intents(call: Call) -> Obj:
    """GET /v1/payment_intents."""
    p = call.params.allow("limit", "starting_after", "ending_before", "customer", "created")
    return call.state.list_page(call.state.all("payment_intent"), p, "/v1/payment_intents")


def confirm_payment_intent(call: Call, intent_id: str) -> Obj:
    """POST /v1/payment_intents/<id>/confirm: test cards succeed or decline (402)."""
    p = call.params.allow(*CONFIRM)
    intent = _get(call.state, intent_id)
    ref = p.string("payment_method")
    pm_id = resolve_payment_method(call.state, ref, "payment_method")["id"] if ref else None
    return _confirm(call.state, intent, pm_id or intent["payment_method"])


def _confirm(state: FakeStripeState, intent: Obj, pm_id: str | None) -> Obj:
    if intent["status"] not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot confirm this PaymentIntent because it has a status of "
            f"{intent['status']}.", param=None)
    if pm_id is None:
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. To "
            "confirm the PaymentIntent with cus_ or pm_, pass it as `payment_method`.",
            param="payment_method")
    payment_method = state.get("payment_method", pm_id, kind="PaymentMethod")
    intent["payment_method"] = pm_id
    card = card_behaviour(payment_method)
    if card.decline is not None:
        _decline(state, intent, payment_method)
    return succeed(state, intent, payment_method)


def _decline(state: FakeStripeState, intent: Obj, payment_method: Obj) -> None:
    code, decline_code, message = card_behaviour(payment_method).decline or ("", "", "")
    charge = create_charge(state, intent, payment_method)
    error = {"charge": charge["id"], "code": code, "decline_code": decline_code,
             "message": message, "payment_method": public_view(payment_method),
             "type": "card_error"}
    intent.update({"last_payment_error": error, "latest_charge": charge["id"],
                   "payment_method": None, "status": "requires_payment_method"})
    state.emit("payment_intent.payment_failed", intent)
    raise card_error(message, code=code, decline_code=decline_code, extra={
        "charge": charge["id"], "payment_intent": public_view(intent),
        "payment_method": public_view(payment_method)})


def succeed(state: FakeStripeState, intent: Obj, payment_method: Obj | None = None) -> Obj:
    """Charge the intent successfully: a charge, a balance transaction, the events."""
    if intent["status"] not in CONFIRMABLE:
        raise unexpected_state(
            f"This PaymentIntent's status is {intent['status']}; it cannot succeed now.")
    payment_method = payment_method or resolve_payment_method(state, "pm_card_visa", "")
    charge = create_charge(state, intent, payment_method)
    intent.update({"amount_received": intent["amount"], "last_payment_error": None,
                   "latest_charge": charge["id"], "payment_method": payment_method["id"],
                   "status": "succeeded"})
    state.emit("payment_intent.succeeded", intent)
    return intent


def cancel_payment_intent(call: Call, intent_id: str) -> Obj:
    """POST /v1/payment_intents/<id>/cancel."""
    p = call.params.allow("cancellation_reason")
    intent = _get(call.state, intent_id)
    if intent["status"] not in CANCELABLE:
        raise unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be canceled: {', '.join(CANCELABLE)}.")
    intent.update({"canceled_at": call.state.now(),
                   "cancellation_reason": p.string("cancellation_reason"),
                   "status": "canceled"})
    call.state.emit("payment_intent.canceled", intent)
    return intent


ROUTES: list[Route] = [
    ("POST", "/v1/payment_intents", create_payment_intent),
    ("GET", "/v1/payment_intents", list_payment_intents),
    ("GET", "/v1/payment_intents/<intent_id>", retrieve_payment_intent),
    ("POST", "/v1/payment_intents/<intent_id>", update_payment_intent),
    ("POST", "/v1/payment_intents/<intent_id>/confirm", confirm_payment_intent),
    ("POST", "/v1/payment_intents/<intent_id>/cancel", cancel_payment_intent),
]

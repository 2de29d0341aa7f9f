"""Checkout Sessions in `payment` mode, paid on the fake's own hosted page."""

from __future__ import annotations

from typing import Any

from tests.fakes.stripe_fake import payment_intents
from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.errors import invalid, missing_param
from tests.fakes.stripe_fake.params import Params
from tests.fakes.stripe_fake.state import FakeStripeState, new_id

CREATE = ("line_items", "mode", "success_url", "cancel_url", "client_reference_id",
          "customer", "customer_email", "metadata", "payment_intent_data", "currency",
          "expires_at", "locale", "payment_method_types", "submit_type", "ui_mode",
          "allow_promotion_codes", "billing_address_collection", "return_url")
SESSION_TTL = 24 * 3600


def _line_item(raw: Any, index: int, session_id: str) -> Obj:
    param = f"line_items[{index}]"
    if not isinstance(raw, dict):
        raise invalid("Invalid line item", param=param)
    if "price" in raw:
        raise invalid(f"No such price: '{raw['price']}'", code="resource_missing",
                      param=f"{param}[price]")
    item = Params(raw)
    quantity = item.integer("quantity", 1, minimum=1) or 1
    price = Params(item.hash("price_data"))
    if not price.data:
        raise missing_param(f"{param}[price_data]")
    unit, currency = price.amount("unit_amount"), price.currency()
    name = Params(price.hash("product_data")).string("name") or "Item"
    return {"id": new_id("li"), "object": "item", "amount_discount": 0,
            "amount_subtotal": unit * quantity, "amount_tax": 0,
            "amount_total": unit * quantity, "currency": currency, "description": name,
            "price": {"id": new_id("price"), "object": "price", "currency": currency,
                      "product": new_id("prod", 14), "type": "one_time",
                      "unit_amount": unit},
            "quantity": quantity, "_session": session_id}


def create_session(call: Call) -> Obj:
    """POST /v1/checkout/sessions (mode=payment with `price_data` line items)."""
    p = call.params.allow(*CREATE)
    mode = p.required_string("mode")
    if mode != "payment":
        raise invalid("The fake only supports mode=payment.", param="mode")
    success_url = p.required_string("success_url")
    session_id = new_id("cs_test", 58)
    items = [_line_item(raw, i, session_id) for i, raw in enumerate(p.array("line_items"))]
    if not items:
        raise missing_param("line_items")
    currencies = {item["currency"] for item in items}
    if len(currencies) > 1:
        raise invalid("All line items must use the same currency.", param="line_items")
    total, created = sum(item["amount_total"] for item in items), call.state.now()
    session: Obj = {
        "id": session_id, "object": "checkout.session", "amount_subtotal": total,
        "amount_total": total, "cancel_url": p.string("cancel_url"),
        "client_reference_id": p.string("client_reference_id"), "created": created,
        "currency": currencies.pop(), "customer": p.string("customer"),
        "customer_email": p.string("customer_email"),
        "expires_at": p.integer("expires_at") or created + SESSION_TTL, "livemode": False,
        "metadata": p.metadata(), "mode": "payment", "payment_intent": None,
        "payment_status": "unpaid", "status": "open", "success_url": success_url,
        "url": f"{call.base_url}/_fake/checkout/{session_id}",
        "_line_items": items, "_intent_data": p.hash("payment_intent_data"),
    }
    return call.state.add(session)


def _get(state: FakeStripeState, session_id: str) -> Obj:
    return state.get("checkout.session", session_id, kind="checkout.session")


def retrieve_session(call: Call, session_id: str) -> Obj:
    """GET /v1/checkout/sessions/<id>."""
    call.params.allow()
    return _get(call.state, session_id)


def list_line_items(call: Call, session_id: str) -> Obj:
    """GET /v1/checkout/sessions/<id>/line_items."""
    p = call.params.allow("limit", "starting_after", "ending_before")
    items = _get(call.state, session_id)["_line_items"]
    return call.state.list_page(items, p, f"/v1/checkout/sessions/{session_id}/line_items")


def list_sessions(call: Call) -> Obj:
    """GET /v1/checkout/sessions (filter: `payment_intent`)."""
    p = call.params.allow("limit", "starting_after", "ending_before", "payment_intent",
                          "status", "customer", "created")
    wanted = {k: p.string(k) for k in ("payment_intent", "status") if p.string(k)}
    items = [s for s in call.state.all("checkout.session")
             if all(s[k] == v for k, v in wanted.items())]
    return call.state.list_page(items, p, "/v1/checkout/sessions")


def expire_session(call: Call, session_id: str) -> Obj:
    """POST /v1/checkout/sessions/<id>/expire."""
    call.params.allow()
    session = _get(call.state, session_id)
    if session["status"] != "open":
        raise invalid(f"Only Checkout Sessions with a status of `open` can be expired. This "
                      f"session has a status of `{session['status']}`.")
    session["status"] = "expired"
    call.state.emit("checkout.session.expired", session)
    return session


def complete_session(state: FakeStripeState, session_id: str) -> Obj:
    """Pay a session: a succeeded PaymentIntent, then `checkout.session.completed`."""
    session = _get(state, session_id)
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is {session['status']}.")
    data = Params(session["_intent_data"])
    intent_call = Call(state=state, params=Params({
        "amount": str(session["amount_total"]), "currency": session["currency"],
        "metadata": data.hash("metadata"), "description": data.string("description") or "",
        "transfer_group": data.string("transfer_group") or "",
    }))
    intent = payment_intents.create_payment_intent(intent_call)
    payment_intents.succeed(state, intent)
    session.update({"payment_intent": intent["id"], "payment_status": "paid",
                    "status": "complete"})
    state.emit("checkout.session.completed", session)
    return session


def success_redirect(session: Obj) -> str:
    """The success URL with `{CHECKOUT_SESSION_ID}` filled in."""
    return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])


ROUTES: list[Route] = [
    ("POST", "/v1/checkout/sessions", create_session),
    ("GET", "/v1/checkout/sessions", list_sessions),
    ("GET", "/v1/checkout/sessions/<session_id>", retrieve_session),
    ("GET", "/v1/checkout/sessions/<session_id>/line_items", list_line_items),
    ("POST", "/v1/checkout/sessions/<session_id>/expire", expire_session),
]

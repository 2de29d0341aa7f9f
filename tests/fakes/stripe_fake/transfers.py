"""Transfers to connected accounts (separate charges and transfers) and their reversals."""

from __future__ import annotations

from tests.fakes.stripe_fake import balance
from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.errors import invalid, resource_missing
from tests.fakes.stripe_fake.state import FakeStripeState, new_id, public_view


def _destination(state: FakeStripeState, account_id: str) -> Obj:
    account = state.get("account", account_id, kind="account", param="destination")
    if account["capabilities"].get("transfers") != "active":
        raise invalid(
            "Your destination account needs to have at least one of the following capabilities "
            "enabled: transfers, crypto_transfers, legacy_payments",
            code="insufficient_capabilities_for_transfer", param="destination")
    return account


def _source_charge(state: FakeStripeState, charge_id: str | None, currency: str) -> Obj | None:
    if charge_id is None:
        return None
    charge = state.get("charge", charge_id, param="source_transaction")
    if charge["status"] != "succeeded" or charge["currency"] != currency:
        raise invalid("The source_transaction must be a succeeded charge in the transfer's "
                      "currency.", param="source_transaction")
    return charge


def create_transfer(call: Call) -> Obj:
    """POST /v1/transfers: moves available platform funds to a connected account."""
    p = call.params.allow("amount", "currency", "destination", "description", "metadata",
                          "source_transaction", "source_type", "transfer_group")
    amount, currency = p.amount(), p.currency()
    assert currency is not None
    state = call.state
    destination = _destination(state, p.required_string("destination"))
    source = _source_charge(state, p.string("source_transaction"), currency)
    if source is None:
        balance.require_available(state, None, currency, amount)
    transfer_id = new_id("tr")
    txn = balance.record(state, account=None, amount=-amount, currency=currency,
                         type="transfer", source=transfer_id,
                         pending=False, description=p.string("description"))
    payment_id = new_id("py")
    balance.record(state, account=destination["id"], amount=amount, currency=currency,
                   type="payment", source=payment_id)
    transfer: Obj = {
        "id": transfer_id, "object": "transfer", "amount": amount, "amount_reversed": 0,
        "balance_transaction": txn["id"], "created": state.now(), "currency": currency,
        "description": p.string("description"), "destination": destination["id"],
        "destination_payment": payment_id, "livemode": False, "metadata": p.metadata(),
        "reversals": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                      "url": f"/v1/transfers/{transfer_id}/reversals"},
        "reversed": False, "source_transaction": source["id"] if source else None,
        "source_type": p.string("source_type") or "card",
        "transfer_group": p.string("transfer_group"),
    }
    state.add(transfer)
    state.emit("transfer.created", transfer)
    return transfer


def _get(state: FakeStripeState, transfer_id: str) -> Obj:
    return state.get("transfer", transfer_id)


def retrieve_transfer(call: Call, transfer_id: str) -> Obj:
    """GET /v1/transfers/<id>."""
    call.params.allow()
    return _get(call.state, transfer_id)


def update_transfer(call: Call, transfer_id: str) -> Obj:
    """POST /v1/transfers/<id> (description, metadata)."""
    p = call.params.allow("description", "metadata")
    transfer = _get(call.state, transfer_id)
    if p.has("description"):
        transfer["description"] = p.string("description")
    transfer["metadata"] = p.metadata(transfer["metadata"])
    return transfer


def list_transfers(call: Call) -> Obj:
    """GET /v1/transfers (filters: `destination`, `transfer_group`)."""
    p = call.params.allow("limit", "starting_after", "ending_before", "destination",
                          "transfer_group", "created")
    wanted = {k: p.string(k) for k in ("destination", "transfer_group") if p.string(k)}
    items = [t for t in call.state.all("transfer") if all(t[k] == v for k, v in wanted.items())]
    return call.state.list_page(items, p, "/v1/transfers")


def create_reversal(call: Call, transfer_id: str) -> Obj:
    """POST /v1/transfers/<id>/reversals: returns funds from the connected account."""
    p = call.params.allow("amount", "description", "metadata", "refund_application_fee")
    state = call.state
    transfer = _get(state, transfer_id)
    left = transfer["amount"] - transfer["amount_reversed"]
    amount = p.integer("amount", left, minimum=1) or left
    if left == 0:
        raise invalid(f"Transfer {transfer_id} has already been fully reversed.",
                      code="transfer_already_reversed")
    if amount > left:
        raise invalid(f"Amount ({amount}) is greater than the unreversed amount on the "
                      f"transfer ({left}).", code="amount_too_large", param="amount")
    reversal_id = new_id("trr")
    txn = balance.record(state, account=None, amount=amount, currency=transfer["currency"],
                         type="transfer_refund", source=reversal_id)
    refund_id = new_id("pyr")
    balance.record(state, account=transfer["destination"], amount=-amount,
                   currency=transfer["currency"], type="payment_refund", source=refund_id)
    reversal: Obj = {
        "id": reversal_id, "object": "transfer_reversal", "amount": amount,
        "balance_transaction": txn["id"], "created": state.now(),
        "currency": transfer["currency"], "destination_payment_refund": refund_id,
        "metadata": p.metadata(), "source_refund": None, "transfer": transfer_id,
    }
    state.add(reversal)
    reversals = transfer["reversals"]
    reversals["data"].insert(0, public_view(reversal))
    reversals["total_count"] += 1
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    state.emit("transfer.reversed", transfer)
    return reversal


def list_reversals(call: Call, transfer_id: str) -> Obj:
    """GET /v1/transfers/<id>/reversals."""
    p = call.params.allow("limit", "starting_after", "ending_before")
    _get(call.state, transfer_id)
    items = [r for r in call.state.all("transfer_reversal") if r["transfer"] == transfer_id]
    return call.state.list_page(items, p, f"/v1/transfers/{transfer_id}/reversals")


def retrieve_reversal(call: Call, transfer_id: str, reversal_id: str) -> Obj:
    """GET /v1/transfers/<id>/reversals/<reversal>."""
    call.params.allow()
    reversal = call.state.get("transfer_reversal", reversal_id, kind="transfer reversal")
    if reversal["transfer"] != transfer_id:
        raise resource_missing("transfer reversal", reversal_id)
    return reversal


ROUTES: list[Route] = [
    ("POST", "/v1/transfers", create_transfer),
    ("GET", "/v1/transfers", list_transfers),
    ("GET", "/v1/transfers/<transfer_id>", retrieve_transfer),
    ("POST", "/v1/transfers/<transfer_id>", update_transfer),
    ("POST", "/v1/transfers/<transfer_id>/reversals", create_reversal),
    ("GET", "/v1/transfers/<transfer_id>/reversals", list_reversals),
    ("GET", "/v1/transfers/<transfer_id>/reversals/<reversal_id>", retrieve_reversal),
]

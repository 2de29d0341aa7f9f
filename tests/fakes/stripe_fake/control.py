"""Test controls under `/_fake`: things only Stripe's dashboard or the world could do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, request

from tests.fakes.stripe_fake import accounts, balance, checkout, payment_intents, payouts, refunds
from tests.fakes.stripe_fake.api import render, state
from tests.fakes.stripe_fake.charges import resolve_payment_method
from tests.fakes.stripe_fake.errors import FakeStripeError, invalid
from tests.fakes.stripe_fake.faults import MODES
from tests.fakes.stripe_fake.params import Params
from tests.fakes.stripe_fake.state import FakeStripeState, new_id, public_view

bp = Blueprint("stripe_fake_control", __name__, url_prefix="/_fake")
Action = Callable[[FakeStripeState, Params], Any]


def _data() -> Params:
    body = request.get_json(silent=True) if request.is_json else None
    raw = body if isinstance(body, dict) else request.values.to_dict()
    return Params({key: _as_form(value) for key, value in raw.items()})


def _as_form(value: Any) -> Any:
    """JSON scalars as the strings a form would carry."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | dict | list):
        return value
    return str(value)


def control(action: Action) -> Response:
    """Run a control under the state lock, then answer its result as JSON."""
    fake, request_id = state(), new_id("req", 14)
    try:
        with fake.transaction(request_id):
            result = action(fake, _data())
    except FakeStripeError as exc:
        return render(exc.to_dict(), exc.status, request_id)
    except ValueError as exc:
        return render(invalid(str(exc)).to_dict(), 400, request_id)
    if isinstance(result, dict):
        result = public_view(result)
    return render({"ok": True} if result is None else result, 200, request_id)


@bp.post("/accounts/<account_id>/complete_onboarding")
def complete_onboarding(account_id: str) -> Response:
    """Enable charges, payouts and capabilities; emits `account.updated`."""
    return control(lambda fake, _: accounts.complete_onboarding(fake, account_id))


@bp.post("/accounts/<account_id>/restrict")
def restrict_account(account_id: str) -> Response:
    """Disable charges and payouts; emits `account.updated`."""
    return control(lambda fake, _: accounts.restrict_account(fake, account_id))


@bp.post("/payment_intents/<intent_id>/succeed")
def succeed_payment_intent(intent_id: str) -> Response:
    """Succeed a PaymentIntent without the client confirming (optional `payment_method`)."""
    def act(fake: FakeStripeState, p: Params) -> Any:
        intent = fake.get("payment_intent", intent_id, kind="payment_intent")
        ref = p.string("payment_method") or intent["payment_method"]
        method = resolve_payment_method(fake, ref, "payment_method") if ref else None
        return payment_intents.succeed(fake, intent, method)

    return control(act)


@bp.post("/checkout/sessions/<session_id>/complete")
def complete_checkout(session_id: str) -> Response:
    """Pay a Checkout Session as if the customer pressed Pay."""
    return control(lambda fake, _: checkout.complete_session(fake, session_id))


@bp.post("/balance/add")
def add_funds() -> Response:
    """Credit `amount` `currency` to the platform or `account` (`pending=true` to hold it)."""
    return control(lambda fake, p: balance.add_funds(
        fake, p.integer("amount", required=True) or 0, p.currency() or "usd",
        account=p.string("account"), pending=p.boolean("pending")))


@bp.post("/balance/settle")
def settle_balance() -> Response:
    """Make pending funds available now (optionally one `account` / `currency`)."""
    return control(lambda fake, p: balance.settle(
        fake, p.string("account"), p.currency(required=False)))


@bp.post("/payouts/<payout_id>/paid")
def payout_paid(payout_id: str) -> Response:
    """Mark a payout paid; emits `payout.paid`."""
    return control(lambda fake, _: payouts.settle_payout(fake, payout_id, paid=True))


@bp.post("/payouts/<payout_id>/failed")
def payout_failed(payout_id: str) -> Response:
    """Mark a payout failed (funds return); emits `payout.failed`."""
    return control(lambda fake, p: payouts.settle_payout(
        fake, payout_id, paid=False, failure_code=p.string("failure_code") or "account_closed"))


@bp.post("/charges/<charge_id>/dispute")
def open_dispute(charge_id: str) -> Response:
    """Open a dispute (`amount`, `reason`); emits `charge.dispute.created`."""
    return control(lambda fake, p: refunds.open_dispute(
        fake, charge_id, amount=p.integer("amount", minimum=1),
        reason=p.string("reason") or "fraudulent"))


@bp.post("/disputes/<dispute_id>/close")
def close_dispute(dispute_id: str) -> Response:
    """Close a dispute with `status=won|lost`; emits `charge.dispute.closed`."""
    def act(fake: FakeStripeState, p: Params) -> Any:
        status = p.string("status") or "lost"
        if status not in ("won", "lost"):
            raise invalid("status must be won or lost", param="status")
        return refunds.close_dispute(fake, dispute_id, won=status == "won")

    return control(act)


@bp.post("/events/<event_id>/resend")
def resend_event(event_id: str) -> Response:
    """Deliver a recorded event to the webhook once more."""
    return control(lambda fake, _: fake.resend_event(event_id))


@bp.post("/events/flush")
def flush_events() -> Response:
    """Wait until queued webhook deliveries were attempted."""
    return control(lambda fake, _: {"flushed": fake.webhooks.flush()})


@bp.post("/webhook")
def configure_webhook() -> Response:
    """Point webhook deliveries at `url`, signed with `secret` (empty disables)."""
    return control(lambda fake, p: fake.webhooks.configure(p.string("url"), p.string("secret")))


@bp.get("/deliveries")
def list_deliveries() -> Response:
    """Every webhook delivery attempt so far."""
    return control(lambda fake, _: {"object": "list", "data": [
        {**asdict(d), "ok": d.ok} for d in fake.webhooks.deliveries]})


@bp.post("/faults")
def add_fault() -> Response:
    """Arm a fault: `path` (fnmatch), `mode`, `times`, `method`, `delay`, `status`."""
    def act(fake: FakeStripeState, p: Params) -> Any:
        mode = p.string("mode") or "drop_after"
        if mode not in MODES:
            raise invalid(f"mode must be one of {', '.join(MODES)}", param="mode")
        fault = fake.faults.add(
            p.required_string("path"), mode=mode,
            times=p.integer("times", 1, minimum=1) or 1, method=p.string("method"),
            delay=float(p.string("delay") or 1.0), status=p.integer("status", 500) or 500)
        return asdict(fault)

    return control(act)


@bp.delete("/faults")
def clear_faults() -> Response:
    """Disarm every fault."""
    return control(lambda fake, _: fake.faults.clear())


@bp.post("/reset")
def reset() -> Response:
    """Forget everything."""
    return control(lambda fake, _: fake.reset())

"""POST /webhooks/stripe: verified with the library, each event applied once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import stripe
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.errors import ZoneConnectError
from gateway.extensions import csrf, db
from gateway.i18n import _l
from gateway.revenue import stripe_events as effects
from gateway.revenue.models import StripeEvent
from gateway.revenue.payouts import record_account
from gateway.wallet.services import credit_topup

bp = Blueprint("stripe_webhooks", __name__)
csrf.exempt(bp)
log = logging.getLogger(__name__)
TOLERANCE = 300


class BadSignature(ZoneConnectError):
    code = "invalid_signature"
    status = 400
    description = _l("The Stripe-Signature header does not verify.")


def _payment_intent_succeeded(obj: dict[str, Any], event: stripe.Event) -> None:
    meta = obj.get("metadata") or {}
    if meta.get("zc_purpose") != "topup":
        return
    credit_topup(int(meta["zc_user_id"]), int(meta["zc_coins"]), str(obj["id"]))


def _account_updated(obj: dict[str, Any], event: stripe.Event) -> None:
    record_account(str(obj["id"]), bool(obj.get("payouts_enabled")),
                   bool(obj.get("details_submitted")))


def _platform_only(apply: Callable[[dict[str, Any]], object]) -> Handler:
    """Apply only events of the platform's own balance, not a connected account's."""
    def handler(obj: dict[str, Any], event: stripe.Event) -> None:
        if not getattr(event, "account", None):
            apply(obj)
    return handler


def _balance_available(obj: dict[str, Any], event: stripe.Event) -> None:
    if not getattr(event, "account", None):
        effects.balance_available(obj, str(event.id))


Handler = Callable[[dict[str, Any], stripe.Event], None]
# Events only recorded (visible to operators) have no handler.
HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _payment_intent_succeeded,
    "account.updated": _account_updated,
    "charge.refunded": _platform_only(effects.charge_refunded),
    "charge.dispute.created": _platform_only(effects.dispute_created),
    "charge.dispute.closed": _platform_only(effects.dispute_closed),
    "transfer.reversed": _platform_only(effects.transfer_reversed),
    "payout.paid": _platform_only(effects.payout_paid),
    "payout.failed": _platform_only(effects.payout_failed),
    "balance.available": _balance_available,
}
RECORDED = {"transfer.created", *HANDLERS}


@bp.post("/webhooks/stripe")
def receive() -> ResponseReturnValue:
    """Verify a Stripe event, record its id once and apply it in the same transaction."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    try:
        event = stripe.Webhook.construct_event(request.get_data(), request.headers.get(
            "Stripe-Signature"), secret, tolerance=TOLERANCE)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise BadSignature() from exc
    if event.type not in RECORDED:
        return jsonify(received=True, ignored=True)
    obj = event.data.object.to_dict()
    db.session.add(StripeEvent(event_id=event.id, event_type=event.type,
                               object_id=str(obj.get("id", ""))[:64], payload=obj))
    try:
        db.session.flush()
        if handler := HANDLERS.get(event.type):
            handler(obj, event)
        db.session.commit()
    except IntegrityError as exc:  # this event id was already recorded: apply nothing twice
        db.session.rollback()
        if db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event.id)):
            return jsonify(received=True, duplicate=True)
        # Another event posted the same ledger key meanwhile: Stripe retries a non-2xx answer.
        raise ZoneConnectError(_l("A concurrent event changed this object; retry."),
                               code="conflict", status=409) from exc
    except (KeyError, TypeError, ValueError) as exc:  # signed, but not a shape we can apply
        db.session.rollback()
        raise ZoneConnectError(_l("The event's object lacks what this event needs."),
                               code="unprocessable_event", status=422) from exc
    return jsonify(received=True)

"""POST /webhooks/stripe: verified with the library, each event applied once."""

from __future__ import annotations

import logging
from typing import Any

import stripe
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from gateway.errors import ZoneConnectError
from gateway.extensions import csrf, db
from gateway.revenue.models import Payout, StripeEvent
from gateway.revenue.payouts import record_account, void
from gateway.wallet.services import credit_topup

bp = Blueprint("stripe_webhooks", __name__)
csrf.exempt(bp)
log = logging.getLogger(__name__)
TOLERANCE = 300


class BadSignature(ZoneConnectError):
    code = "invalid_signature"
    status = 400
    description = "The Stripe-Signature header does not verify."


def _payment_intent_succeeded(obj: dict[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    if meta.get("zc_purpose") != "topup":
        return
    credit_topup(int(meta["zc_user_id"]), int(meta["zc_coins"]), str(obj["id"]))


def _account_updated(obj: dict[str, Any]) -> None:
    record_account(str(obj["id"]), bool(obj.get("payouts_enabled")),
                   bool(obj.get("details_submitted")))


def _transfer_reversed(obj: dict[str, Any]) -> None:
    payout = db.session.query(Payout).filter_by(stripe_transfer_id=str(obj["id"])).first()
    if payout is not None and payout.status == "paid":
        void(payout, "transfer reversed")


# Events only recorded (visible to operators) have no handler.
HANDLERS = {"payment_intent.succeeded": _payment_intent_succeeded,
            "account.updated": _account_updated, "transfer.reversed": _transfer_reversed}
RECORDED = {"charge.refunded", "charge.dispute.created", "charge.dispute.closed",
            "transfer.created", "payout.paid", "payout.failed", *HANDLERS}


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
            handler(obj)
        db.session.commit()
    except IntegrityError:  # this event id was already recorded: apply nothing twice
        db.session.rollback()
        return jsonify(received=True, duplicate=True)
    except (KeyError, TypeError, ValueError) as exc:  # signed, but not a shape we can apply
        db.session.rollback()
        raise ZoneConnectError("The event's object lacks what this event needs.",
                               code="unprocessable_event", status=422) from exc
    return jsonify(received=True)

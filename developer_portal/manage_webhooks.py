"""The management API's webhook routes: deliveries with resend, test events, and the rotation of
the app's callback secret (which signs deliveries to URLs that are not endpoints)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from developer_portal.blueprints import manage as bp
from developer_portal.manage_api import _user
from gateway.audit import services as audit
from gateway.developers import services
from gateway.errors import NotFound, ValidationFailed, render_error
from gateway.extensions import db
from gateway.i18n import _l
from gateway.outbox.models import OutboxMessage
from gateway.outbox.sample import TestEventsLimited, send_test_event
from gateway.outbox.services import deliveries_for_app, resend
from gateway.outbox.signing import standard_secret
from gateway.timeutil import isoformat

MAX_DELIVERIES = 200


def delivery_json(message: OutboxMessage) -> dict[str, Any]:
    """An outbox event with its attempts, as the management API shows it."""
    return {"id": message.id, "event_id": message.event_id, "type": message.event_type,
            "endpoint_id": message.endpoint_id, "url": message.url, "status": message.status,
            "attempts": message.attempts,
            "created_at": isoformat(message.created_at),
            "delivered_at": isoformat(message.delivered_at),
            "next_attempt_at": isoformat(message.next_attempt_at)
            if message.status == "pending" else None,
            "history": [{"attempted_at": isoformat(a.attempted_at), "ok": a.ok,
                         "status_code": a.status_code, "error": a.error,
                         "duration_ms": a.duration_ms} for a in message.deliveries]}


@bp.get("/apps/<appid>/deliveries")
def list_deliveries(appid: str) -> ResponseReturnValue:
    """The app's latest webhook events (`?limit=`, at most 200), each with every attempt."""
    app = services.own_app(_user(), appid)
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_DELIVERIES:
        raise ValidationFailed({"limit": [
            _l("Choose a number from 1 to %(n)s.", n=MAX_DELIVERIES)]})
    return jsonify({"appid": app.appid, "data": [
        delivery_json(m) for m in deliveries_for_app(app.id, int(limit))]})


@bp.post("/apps/<appid>/deliveries/<message_id>/resend")
def resend_delivery(appid: str, message_id: str) -> ResponseReturnValue:
    """Deliver an event again now (its earlier attempts stay listed); audited as on the page."""
    # Any id reaches the key check first (an int converter would answer 404 before it).
    app = services.own_app(_user(), appid)
    if not message_id.isdigit() or len(message_id) > 18:
        raise NotFound()
    message = resend(int(message_id), app_id=app.id)
    audit.record("webhook.resent", actor_id=_user().id, subject_type="app",
                 subject_id=app.appid, event_id=message.event_id)
    db.session.commit()
    return jsonify(delivery_json(message)), 202


@bp.post("/apps/<appid>/webhooks/test")
def send_test(appid: str) -> ResponseReturnValue:
    """Queue a signed `webhook.test` event to every enabled endpoint (ZC_WEBHOOK_TEST_LIMIT);
    the answer is its first delivery, with every delivery under `deliveries`."""
    app = services.own_app(_user(), appid)
    try:
        messages = send_test_event(app, _user().id)
    except TestEventsLimited as exc:
        return render_error(exc.to_dict(), exc.status, {"Retry-After": str(exc.retry_after)})
    db.session.commit()
    return jsonify({**delivery_json(messages[0]),
                    "deliveries": [delivery_json(m) for m in messages]}), 202


@bp.post("/apps/<appid>/rotate-webhook-secret")
def rotate_webhook_secret(appid: str) -> ResponseReturnValue:
    """A new webhook signing secret; the previous one co-signs until previous_expires_at."""
    app = services.own_app(_user(), appid)
    overlap = int(current_app.config["ZC_WEBHOOK_SECRET_OVERLAP"])
    secret = services.rotate_webhook_secret(app, _user(), overlap)
    db.session.commit()
    return jsonify({"appid": app.appid, "webhook_secret": secret,
                    "standard_webhooks_secret": standard_secret(secret),
                    "previous_expires_at": isoformat(app.previous_webhook_secret_expires_at)})

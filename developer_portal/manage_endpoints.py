"""The management API's webhook endpoints and events: the portal's webhooks pages as JSON."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from developer_portal.blueprints import manage as bp
from developer_portal.manage_api import _body, _user
from developer_portal.manage_webhooks import delivery_json
from developer_portal.schemas import (
    EndpointCreateSchema,
    EndpointSchema,
    EndpointUpdateSchema,
)
from gateway.apps.models import App
from gateway.developers import services
from gateway.errors import NotFound, ValidationFailed, render_error
from gateway.extensions import db
from gateway.i18n import _l
from gateway.outbox import endpoints
from gateway.outbox.catalogue import EVENTS
from gateway.outbox.models import OutboxMessage, WebhookEndpoint, WebhookEvent
from gateway.outbox.sample import TestEventsLimited, send_test_event
from gateway.outbox.signing import standard_secret
from gateway.timeutil import isoformat

MAX_EVENTS = 200


class EventNotFound(NotFound):
    code = "event_not_found"
    description = _l("No such event.")


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as the management API shows it (EndpointSchema)."""
    return EndpointSchema().dump({
        "id": endpoint.id, "url": endpoint.url, "description": endpoint.description,
        "event_types": list(endpoint.event_types or []), "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": isoformat(endpoint.failing_since),
        "previous_secret_expires_at": isoformat(endpoint.previous_secret_expires_at),
        "created_at": isoformat(endpoint.created_at)})


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict[str, Any]:
    return {"endpoint": endpoint_json(endpoint), "secret": secret,
            "standard_webhooks_secret": standard_secret(secret)}


def _endpoint(appid: str, endpoint_id: str) -> tuple[App, WebhookEndpoint]:
    app = services.own_app(_user(), appid)
    return app, endpoints.get_endpoint(app, endpoint_id)


@bp.get("/webhook-event-types")
def event_types() -> ResponseReturnValue:
    """Every event type an endpoint can subscribe to, with what it announces."""
    return jsonify({"data": [{"type": name, "description": summary}
                             for name, (summary, _schema) in EVENTS.items()]})


@bp.get("/apps/<appid>/webhook-endpoints")
def list_endpoints(appid: str) -> ResponseReturnValue:
    """The app's webhook endpoints, oldest first."""
    app = services.own_app(_user(), appid)
    return jsonify({"appid": app.appid,
                    "data": [endpoint_json(e) for e in endpoints.endpoints_of(app)]})


@bp.post("/apps/<appid>/webhook-endpoints")
def create_endpoint(appid: str) -> ResponseReturnValue:
    """Add an endpoint; the answer holds its signing secret, shown only this once."""
    app = services.own_app(_user(), appid)
    data = _body(EndpointCreateSchema())
    endpoint = endpoints.create_endpoint(app, _user().id, data["url"],
                                         event_types=data.get("event_types"),
                                         description=data.get("description", ""))
    db.session.commit()
    return jsonify(_with_secret(endpoint, endpoint.secret)), 201


@bp.get("/apps/<appid>/webhook-endpoints/<endpoint_id>")
def get_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """One endpoint."""
    return jsonify(endpoint_json(_endpoint(appid, endpoint_id)[1]))


@bp.patch("/apps/<appid>/webhook-endpoints/<endpoint_id>")
def update_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Change an endpoint's URL, description, event types or enabled flag (enabling it sends
    what was held for it)."""
    _app, endpoint = _endpoint(appid, endpoint_id)
    endpoints.update_endpoint(endpoint, _user().id, _body(EndpointUpdateSchema()))
    db.session.commit()
    return jsonify(endpoint_json(endpoint))


@bp.delete("/apps/<appid>/webhook-endpoints/<endpoint_id>")
def delete_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Remove an endpoint with its queued deliveries (the app's events stay listed)."""
    _app, endpoint = _endpoint(appid, endpoint_id)
    endpoints.remove_endpoint(endpoint, _user().id)
    db.session.commit()
    return "", 204


@bp.post("/apps/<appid>/webhook-endpoints/<endpoint_id>/rotate-secret")
def rotate_endpoint_secret(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """A new signing secret; the previous one co-signs until previous_secret_expires_at."""
    _app, endpoint = _endpoint(appid, endpoint_id)
    secret = endpoints.rotate_secret(endpoint, _user().id,
                                     int(current_app.config["ZC_WEBHOOK_SECRET_OVERLAP"]))
    db.session.commit()
    return jsonify(_with_secret(endpoint, secret))


@bp.post("/apps/<appid>/webhook-endpoints/<endpoint_id>/test")
def test_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Queue a signed `webhook.test` event to this endpoint (ZC_WEBHOOK_TEST_LIMIT per app)."""
    app, endpoint = _endpoint(appid, endpoint_id)
    try:
        [message] = send_test_event(app, _user().id, endpoint)
    except TestEventsLimited as exc:
        return render_error(exc.to_dict(), exc.status, {"Retry-After": str(exc.retry_after)})
    db.session.commit()
    return jsonify(delivery_json(message)), 202


def event_json(event: WebhookEvent, deliveries: list[OutboxMessage] | None = None
               ) -> dict[str, Any]:
    """An event (with its deliveries when given)."""
    import json

    found: dict[str, Any] = {"id": event.event_id, "type": event.event_type,
                             "created_at": isoformat(event.created_at),
                             "data": json.loads(event.body).get("data")}
    if deliveries is not None:
        found["deliveries"] = [delivery_json(m) for m in deliveries]
    return found


@bp.get("/apps/<appid>/events")
def list_events(appid: str) -> ResponseReturnValue:
    """The app's latest events, newest first (`?limit=` at most 200, `?type=` one type)."""
    app = services.own_app(_user(), appid)
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_EVENTS:
        raise ValidationFailed({"limit": [_l("Choose a number from 1 to %(n)s.", n=MAX_EVENTS)]})
    query = select(WebhookEvent).where(WebhookEvent.app_id == app.id)
    kind = request.args.get("type")
    if kind is not None:
        if kind not in EVENTS:
            raise ValidationFailed({"type": [_l("Unknown event type.")]})
        query = query.where(WebhookEvent.event_type == kind)
    rows = db.session.scalars(query.order_by(WebhookEvent.id.desc()).limit(int(limit)))
    return jsonify({"appid": app.appid, "data": [event_json(e) for e in rows]})


@bp.get("/apps/<appid>/events/<event_id>")
def get_event(appid: str, event_id: str) -> ResponseReturnValue:
    """One event with each of its deliveries and their attempts."""
    app = services.own_app(_user(), appid)
    event = db.session.scalar(select(WebhookEvent).where(
        WebhookEvent.event_id == event_id[:40], WebhookEvent.app_id == app.id))
    if event is None:
        raise EventNotFound()
    deliveries = list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.event_id == event.event_id, OutboxMessage.app_id == app.id)
        .order_by(OutboxMessage.id)))
    return jsonify(event_json(event, deliveries))

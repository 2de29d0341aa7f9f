"""An app's webhook endpoints: add, change, remove, enable, rotate a secret. Flush, never commit.

Every URL is checked as the app's other callbacks are (gateway.weburls: scheme, host, port,
length, IDN hosts in their ASCII form; gateway.outbound: no internal address), and the event
types must be in the catalogue. A disabled endpoint gets no new delivery; what was queued for it
is held and goes out again, from its first attempt, when it is enabled.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update

from gateway import outbound
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.errors import NotFound, ValidationFailed
from gateway.extensions import db
from gateway.i18n import _, _l
from gateway.outbox.catalogue import EVENTS
from gateway.outbox.models import OutboxMessage, WebhookEndpoint
from gateway.timeutil import utcnow
from gateway.weburls import UrlProblem, normalize_http_url

MAX_ENDPOINTS = 16
MAX_DESCRIPTION = 200


class EndpointNotFound(NotFound):
    code = "endpoint_not_found"
    description = _l("No such webhook endpoint.")


def endpoints_of(app: App) -> list[WebhookEndpoint]:
    """The app's endpoints, oldest first."""
    return list(db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.app_id == app.id).order_by(WebhookEndpoint.id)))


def get_endpoint(app: App, endpoint_id: Any) -> WebhookEndpoint:
    """One of the app's endpoints by id (any other id, or anybody else's, is EndpointNotFound)."""
    text = str(endpoint_id)
    if not text.isdigit() or len(text) > 18:
        raise EndpointNotFound()
    endpoint = db.session.get(WebhookEndpoint, int(text))
    if endpoint is None or endpoint.app_id != app.id:
        raise EndpointNotFound()
    return endpoint


def check_url(value: Any, field: str = "url") -> str:
    """The URL normalized, or ValidationFailed naming `field`."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed({field: [_("Give an http(s) URL.")]})
    try:
        url = normalize_http_url(value)
    except UrlProblem as exc:
        raise ValidationFailed({field: [str(exc)]}) from None
    if why := outbound.url_problem(url):
        raise ValidationFailed({field: [why]})  # the platform POSTs here: no internal address
    return url


def check_event_types(value: Any) -> list[str]:
    """The subscribed event types (an empty list: all), each from the catalogue."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed({"event_types": [_("Give a list of event types.")]})
    unknown = sorted({v for v in value if v not in EVENTS})
    if unknown:
        raise ValidationFailed({"event_types": [_("Unknown event types: %(types)s.",
                                                  types=", ".join(unknown)[:200])]})
    return sorted(set(value))


def _check_description(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise ValidationFailed({"description": [_l("At most %(n)s characters.",
                                                   n=MAX_DESCRIPTION)]})
    return value.strip()


def create_endpoint(app: App, actor_id: int | None, url: Any, *,
                    event_types: Iterable[str] | None = None, description: Any = "",
                    field: str = "url", secret: str | None = None) -> WebhookEndpoint:
    """Add an endpoint (enabled; all events unless `event_types`) with a new signing secret, or
    `secret`: an app's first endpoint, given at registration, shares the app's webhook secret
    shown with its appkey (as migration 0179 made the single webhook URL of older apps)."""
    count = db.session.scalar(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.app_id == app.id)) or 0
    if count >= MAX_ENDPOINTS:
        raise ValidationFailed({field: [_("An app has at most %(n)s webhook endpoints.",
                                          n=MAX_ENDPOINTS)]})
    endpoint = WebhookEndpoint(
        app_id=app.id, url=check_url(url, field),
        event_types=check_event_types(list(event_types) if event_types is not None else None),
        description=_check_description(description), secret=secret or secrets.token_hex(24),
        enabled=True, disabled_reason="")
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook.endpoint_created", actor_id=actor_id, subject_type="app",
                 subject_id=app.appid, endpoint_id=endpoint.id, url=endpoint.url)
    return endpoint


def update_endpoint(endpoint: WebhookEndpoint, actor_id: int | None,
                    changes: dict[str, Any]) -> WebhookEndpoint:
    """Change an endpoint's URL, description, event types or enabled flag (all or nothing)."""
    values: dict[str, Any] = {}
    if "url" in changes:
        values["url"] = check_url(changes["url"])
    if "event_types" in changes:
        values["event_types"] = check_event_types(changes["event_types"])
    if "description" in changes:
        values["description"] = _check_description(changes["description"])
    enabled = changes.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ValidationFailed({"enabled": [_("Give true or false.")]})
    for name, value in values.items():
        setattr(endpoint, name, value)
    if enabled is True and not endpoint.enabled:
        enable(endpoint, actor_id)
    elif enabled is False and endpoint.enabled:
        disable(endpoint, actor_id, "developer")
    db.session.flush()
    audit.record("webhook.endpoint_updated", actor_id=actor_id, subject_type="app",
                 subject_id=_appid(endpoint), endpoint_id=endpoint.id,
                 fields=sorted(set(values) | ({"enabled"} if enabled is not None else set())))
    return endpoint


def remove_endpoint(endpoint: WebhookEndpoint, actor_id: int | None) -> None:
    """Delete an endpoint with its deliveries (queued ones are never sent); the app's events
    stay listed."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.endpoint_id == endpoint.id))
    audit.record("webhook.endpoint_removed", actor_id=actor_id, subject_type="app",
                 subject_id=_appid(endpoint), endpoint_id=endpoint.id, url=endpoint.url)
    db.session.delete(endpoint)
    db.session.flush()


def disable(endpoint: WebhookEndpoint, actor_id: int | None, reason: str) -> None:
    """Stop delivering to the endpoint; its queued deliveries are held until it is enabled."""
    endpoint.enabled, endpoint.disabled_reason = False, reason
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.endpoint_id == endpoint.id, OutboxMessage.status == "pending")
        .values(status="held", lease_until=None))
    audit.record("webhook.endpoint_disabled", actor_id=actor_id, subject_type="app",
                 subject_id=_appid(endpoint), endpoint_id=endpoint.id, reason=reason)
    db.session.flush()


def enable(endpoint: WebhookEndpoint, actor_id: int | None) -> None:
    """Deliver to the endpoint again: held deliveries go out now, from their first attempt."""
    endpoint.enabled, endpoint.disabled_reason = True, ""
    endpoint.failing_since = endpoint.alerted_at = None
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.endpoint_id == endpoint.id, OutboxMessage.status == "held")
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None))
    audit.record("webhook.endpoint_enabled", actor_id=actor_id, subject_type="app",
                 subject_id=_appid(endpoint), endpoint_id=endpoint.id)
    db.session.flush()


def rotate_secret(endpoint: WebhookEndpoint, actor_id: int | None,
                  overlap_seconds: int | None = None) -> str:
    """A new signing secret, signing at once; the previous one co-signs every delivery for
    ZC_WEBHOOK_SECRET_OVERLAP seconds (so a backlog stays verifiable). Audited."""
    if overlap_seconds is None:
        overlap_seconds = int(current_app.config["ZC_WEBHOOK_SECRET_OVERLAP"])
    if overlap_seconds > 0:
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = utcnow() + timedelta(seconds=overlap_seconds)
    else:
        endpoint.previous_secret = endpoint.previous_secret_expires_at = None
    endpoint.secret = secrets.token_hex(24)
    audit.record("webhook.endpoint_secret_rotated", actor_id=actor_id, subject_type="app",
                 subject_id=_appid(endpoint), endpoint_id=endpoint.id,
                 overlap_seconds=max(overlap_seconds, 0))
    db.session.flush()
    return endpoint.secret


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign a delivery to the endpoint now (and the previous one during the
    overlap after a rotation)."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > utcnow():
        found.append(endpoint.previous_secret)
    return found


def _appid(endpoint: WebhookEndpoint) -> str:
    app = db.session.get(App, endpoint.app_id)
    return (app.appid if app else None) or ""

"""Endpoints that keep failing: the developer is told once per run of failures after
ZC_WEBHOOK_ALERT_AFTER, and the endpoint is disabled (with a second mail) after
ZC_WEBHOOK_DISABLE_AFTER. Any success ends the run. Called by the worker after each attempt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import LazyString
from sqlalchemy import update

from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.extensions import db
from gateway.i18n import _l
from gateway.mail import services as mail
from gateway.notifications.services import notify
from gateway.outbox import endpoints
from gateway.outbox.models import WebhookEndpoint
from gateway.timeutil import utcnow

FAILING = "webhook_failing"
DISABLED = "webhook_disabled"


def record_outcome(endpoint: WebhookEndpoint, ok: bool) -> None:
    """Note one attempt's outcome on its endpoint; alert or disable when failures have lasted."""
    now = utcnow()
    if ok:
        endpoint.failing_since = endpoint.alerted_at = None
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    lasted = now - endpoint.failing_since
    config = current_app.config
    # Each step is claimed by a conditional UPDATE, so two workers failing at once on one
    # endpoint send one mail between them.
    if lasted >= timedelta(seconds=int(config["ZC_WEBHOOK_DISABLE_AFTER"])) and _first(
            endpoint, WebhookEndpoint.enabled.is_(True), enabled=False):
        endpoints.disable(endpoint, None, "failing")
        _tell(endpoint, DISABLED, _l("Webhook endpoint disabled after repeated failures"))
    elif lasted >= timedelta(seconds=int(config["ZC_WEBHOOK_ALERT_AFTER"])) and _first(
            endpoint, WebhookEndpoint.alerted_at.is_(None), alerted_at=now):
        _tell(endpoint, FAILING, _l("Webhook deliveries to your app are failing"))
    db.session.flush()


def _first(endpoint: WebhookEndpoint, condition: Any, **values: Any) -> bool:
    """Set `values` if `condition` still holds for the endpoint; whether this call did."""
    done = db.session.execute(update(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint.id, condition).values(**values))
    return done.rowcount == 1  # type: ignore[attr-defined]


def _tell(endpoint: WebhookEndpoint, kind: str, subject: LazyString) -> None:
    """Queue the mail to the app's developer (topic `webhook_failures`: they may turn it off)."""
    app = db.session.get(App, endpoint.app_id)
    if app is None:
        return
    notify(db.session.get(User, app.developer_id), "webhook_failures", kind, subject,
           app_name=app.name, url=endpoint.url, since=endpoint.failing_since,
           link=mail.public_url("developer_webhooks.list_endpoints", appid=app.appid))

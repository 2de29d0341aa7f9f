"""/developer/apps/<appid>/deliveries: the app's outbox events and each delivery attempt."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from gateway import outbound
from gateway.accounts.sessions import current_user
from gateway.accounts.views import login_required
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.developers.services import own_app
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _, _l
from gateway.outbox.endpoints import endpoints_of
from gateway.outbox.sample import TestEventsLimited, send_test_event
from gateway.outbox.services import EndpointDisabled, NoWebhookUrl, deliveries_for_app, resend
from gateway.outbox.worker import TOO_LARGE
from gateway.timeutil import isoformat

bp = Blueprint("developer_deliveries", __name__, url_prefix="/developer/apps",
               template_folder="templates")


# The guarded client's public reasons, translated; anything else stored (rows written before the
# guard, with the platform's own error text) is shown as a plain "connection failed".
ERRORS = {outbound.REFUSED: _l("refused: address not allowed"),
          outbound.CONNECT_FAILED: _l("connection failed"),
          outbound.TIMED_OUT: _l("timed out"), outbound.BAD_URL: _l("invalid URL"),
          outbound.UNRESOLVED: _l("host name not found"),
          TOO_LARGE: _l("response too large")}


def describe_error(error: str) -> str:
    """What the page shows for a stored attempt error."""
    if not error or (error.startswith("HTTP ") and error[5:].isdigit()):
        return error
    return str(ERRORS.get(error, ERRORS[outbound.CONNECT_FAILED]))


class ResendForm(Form):
    """A Resend button: nothing but its CSRF token."""


def _own(appid: str) -> App:
    """The logged-in user's app; anybody else's, or none, is a 404 (AppNotFound)."""
    user = current_user()
    assert user is not None  # behind login_required
    return own_app(user, appid)


@bp.get("/<appid>/deliveries")
@login_required
def list_deliveries(appid: str) -> ResponseReturnValue:
    """Every webhook event of the app with each delivery attempt and the next retry."""
    app = _own(appid)
    return render_template("deliveries/list.html", app=app, messages=deliveries_for_app(app.id),
                           form=ResendForm(), isoformat=isoformat,
                           has_endpoints=any(e.enabled for e in endpoints_of(app)),
                           describe_error=describe_error)


@bp.post("/<appid>/deliveries/<int:message_id>/resend")
@login_required
def resend_delivery(appid: str, message_id: int) -> ResponseReturnValue:
    """Queue an event for delivery again now (its earlier attempts stay listed)."""
    app = _own(appid)  # the CSRF token was checked by CSRFProtect before the view
    try:
        message = resend(message_id, app_id=app.id)
    except EndpointDisabled as exc:
        flash(str(exc.description))
        return redirect(url_for(".list_deliveries", appid=app.appid), 303)
    user = current_user()
    audit.record("webhook.resent", actor_id=user.id if user else None, subject_type="app",
                 subject_id=app.appid, event_id=message.event_id)
    db.session.commit()
    flash(_("Event %(id)s will be delivered again shortly.", id=message.event_id))
    return redirect(url_for(".list_deliveries", appid=app.appid))


@bp.post("/<appid>/deliveries/test")
@login_required
def send_test(appid: str) -> ResponseReturnValue:
    """Send a signed `webhook.test` event to every enabled endpoint (a few per minute)."""
    app = _own(appid)
    user = current_user()
    try:
        messages = send_test_event(app, user.id if user else None)
    except (NoWebhookUrl, TestEventsLimited) as exc:
        flash(str(exc.description))
        return redirect(url_for(".list_deliveries", appid=app.appid), 303)
    db.session.commit()
    flash(_("Test event %(event_id)s is on its way to %(url)s.", event_id=messages[0].event_id,
            url=", ".join(m.url for m in messages)))
    return redirect(url_for(".list_deliveries", appid=app.appid), 303)

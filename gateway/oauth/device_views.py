"""The device flow's endpoints: /oauth2/device_authorization and the user's /device page."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions, throttle
from gateway.accounts.views import login_required
from gateway.apps import scopes as scope_registry
from gateway.apps import services as apps
from gateway.apps.errors import AppNotLive
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.authorizations import services as authorizations
from gateway.extensions import db
from gateway.i18n import _
from gateway.oauth import device
from gateway.oauth.server import server


def device_authorization() -> ResponseReturnValue:
    """RFC 8628 §3.1: a device asks for a device code and a user code."""
    response = server.create_endpoint_response("device_authorization")
    db.session.commit()
    return response


@throttle.secret_check("device-code", "ZC_DEVICE_CODE_LIMIT")  # RFC 8628 §5.1
@login_required
def device_page() -> ResponseReturnValue:
    """Where a logged-in user types the code shown on the device, then consents."""
    user = sessions.current_user()
    assert user is not None
    raw = (request.values.get("user_code") or "").strip()
    if not raw:
        return render_template("oauth/device.html", step="enter", error=None)
    row = device.find_pending(raw)
    if row is None:
        throttle.failed()
        audit.record("device.user_code_failed", actor_id=user.id, subject_type="user",
                     subject_id=user.id)
        db.session.commit()
        return render_template("oauth/device.html", step="enter", user_code=raw,
                               error=_("That code is unknown or has expired.")), 400
    app = db.session.get(App, row.app_id)
    assert app is not None
    try:
        apps.ensure_usable_by(app, user.id)
    except AppNotLive:
        return render_template("oauth/device.html", step="enter", user_code=raw,
                               error=_("This app is not available.")), 403
    if request.method == "POST":
        approved = request.form.get("confirm") == "yes"
        chosen = [s for s in request.form.getlist("approved_scope") if s in row.scopes]
        device.decide(row, user, chosen if approved else None)
        if approved:
            authorizations.record_consent(user.id, app.id, chosen)
        db.session.commit()
        return render_template("oauth/device.html", step="done", approved=approved, app=app)
    developer = db.session.get(type(user), app.developer_id)
    items = [(name, scope_registry.SCOPES[name].description) for name in row.scopes]
    return render_template("oauth/device.html", step="consent", app=app, developer=developer,
                           scopes=items, user_code=raw, user=user)


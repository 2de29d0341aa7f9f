"""One app's page: status and checklist, credentials, rotation, permissions, review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta

from developer_portal import quickstart
from developer_portal.blueprints import developer as bp
from developer_portal.blueprints import developer_required, me
from developer_portal.forms import ConfirmForm, IconForm, PermissionForm
from gateway.apps import services as app_services
from gateway.apps.models import App
from gateway.developers import review, services
from gateway.developers.errors import InvalidIcon, InvalidState
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _
from gateway.mfa.flow import ask_for_second_factor
from gateway.outbox.signing import standard_secret
from gateway.security import reveal
from gateway.timeutil import isoformat


def render_detail(app: App, *, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The app page, with fresh forms unless some are passed (with their errors)."""
    requested = {p.scope for p in app.permissions}
    can_request = [s for s in review.REQUESTABLE if s not in requested or any(
        p.scope == s and p.status == "refused" for p in app.permissions)]
    permission_form = forms.get("permission_form") or PermissionForm()
    if "permission_form" not in forms:
        permission_form.scope.choices = [(s, s) for s in can_request]
    context = {
        "app": app, "checklist": services.checklist(app),
        "snippets": quickstart.snippets(app),
        "has_icon": services.has_icon(app), "test_users": services.test_usernames(app),
        "extra_permissions": [p for p in app.permissions
                              if p.scope not in review.default_scopes()],
        "default_scopes": sorted(review.default_scopes()),
        "can_request": can_request, "permission_form": permission_form,
        "icon_form": forms.get("icon_form") or IconForm(), "confirm": ConfirmForm(),
        "overlap": format_timedelta(timedelta(
            seconds=int(current_app.config["ZC_APPKEY_ROTATION_OVERLAP"])), threshold=2),
        "isoformat": isoformat,
    }
    return render_template("developer_portal/app_detail.html", **context), status


@bp.get("/apps/<appid>")
@developer_required
def app_detail(appid: str) -> ResponseReturnValue:
    """Everything about one of your apps."""
    return render_detail(services.own_app(me(), appid))


@bp.post("/apps/<appid>/rotate-appkey")
@developer_required
def rotate_appkey(appid: str) -> ResponseReturnValue:
    """Issue a new appkey; the old one keeps working for the configured overlap."""
    app = services.own_app(me(), appid)
    if not ConfirmForm().validate_on_submit():
        return render_detail(app, status=400)
    overlap = int(current_app.config["ZC_APPKEY_ROTATION_OVERLAP"])
    appkey = app_services.rotate_appkey(app, actor_id=me().id, overlap_seconds=overlap)
    db.session.commit()
    reveal.stash("appkey", app.appid or "", {"appkey": appkey})
    return redirect(url_for("developer.credentials", appid=app.appid), 303)


@bp.get("/apps/<appid>/credentials")
@developer_required
def credentials(appid: str) -> ResponseReturnValue:
    """The appkey just made (and, for a new app, its first webhook secret), shown this once."""
    app = services.own_app(me(), appid)
    shown = reveal.take("appkey", app.appid or "")
    response = make_response(render_template(
        "developer_portal/credentials.html", app=app, shown=shown,
        created=bool(shown and shown.get("created")),
        old_expires=app.previous_appkey_expires_at))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/apps/<appid>/rotate-webhook-secret")
@developer_required
def rotate_webhook_secret(appid: str) -> ResponseReturnValue:
    """Replace the webhook signing secret (the old one co-signs for the overlap); show it once."""
    app = services.own_app(me(), appid)
    if not ConfirmForm().validate_on_submit():
        return render_detail(app, status=400)
    secret = services.rotate_webhook_secret(app, me())
    db.session.commit()
    reveal.stash("webhook_secret", app.appid or "", {"webhook_secret": secret})
    return redirect(url_for("developer.webhook_secret", appid=app.appid), 303)


@bp.get("/apps/<appid>/webhook-secret")
@developer_required
def webhook_secret(appid: str) -> ResponseReturnValue:
    """The webhook signing secret just made, shown this once."""
    app = services.own_app(me(), appid)
    shown = reveal.take("webhook_secret", app.appid or "")
    secret = (shown or {}).get("webhook_secret")
    response = make_response(render_template(
        "developer_portal/webhook_secret.html", app=app, secret=secret,
        standard_secret=standard_secret(secret) if secret else None,
        overlap_until=isoformat(app.previous_webhook_secret_expires_at)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/apps/<appid>/submit")
@developer_required
def submit(appid: str) -> ResponseReturnValue:
    """Send the app to review."""
    app = services.own_app(me(), appid)
    if not ConfirmForm().validate_on_submit():
        return render_detail(app, status=400)
    try:
        services.submit_for_review(app, me())
    except InvalidState as exc:
        flash(exc.description)
        return render_detail(app, status=exc.status)
    db.session.commit()
    flash(_("Submitted. An operator will review the app; you will see the decision here."))
    ask_for_second_factor(me())  # before the app goes live
    return redirect(url_for("developer.app_detail", appid=app.appid))


@bp.post("/apps/<appid>/permissions")
@developer_required
def request_permission(appid: str) -> ResponseReturnValue:
    """Apply for a permission with a reason."""
    app = services.own_app(me(), appid)
    form = PermissionForm()
    if not form.validate_on_submit():
        return render_detail(app, status=400, permission_form=form)
    try:
        services.request_permission(app, me(), form.scope.data, form.reason.data)
    except (ValidationFailed, InvalidState) as exc:
        db.session.rollback()
        fields = exc.fields if isinstance(exc, ValidationFailed) else {"scope": [exc.description]}
        for name, messages in fields.items():
            getattr(form, name, form.scope).errors = list(messages)
        return render_detail(app, status=exc.status, permission_form=form)
    db.session.commit()
    flash(_("Requested %(scope)s. An operator will decide.", scope=form.scope.data))
    return redirect(url_for("developer.app_detail", appid=app.appid))


def icon_failed(app: App, form: IconForm, exc: InvalidIcon) -> ResponseReturnValue:
    """The app page again, with the icon form's error."""
    form.icon.errors = [exc.description]
    return render_detail(app, status=exc.status, icon_form=form)

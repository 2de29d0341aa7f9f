"""/developer/apps/<appid>/webhooks: the app's endpoints, each with its subscriptions and secret."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from developer_portal.blueprints import developer_required, me
from gateway.apps.models import App
from gateway.developers.services import own_app
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _, _l
from gateway.outbox import endpoints
from gateway.outbox.catalogue import EVENTS
from gateway.outbox.models import WebhookEndpoint
from gateway.outbox.sample import TestEventsLimited, send_test_event
from gateway.outbox.signing import standard_secret
from gateway.security import reveal

bp = Blueprint("developer_webhooks", __name__, url_prefix="/developer/apps",
               template_folder="templates")
REVEAL = "endpoint_secret"


class EndpointForm(Form):
    url = StringField(_l("Endpoint URL"), validators=[DataRequired(), Length(max=512)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    event_types = SelectMultipleField(
        _l("Events to send (none ticked: every event)"),
        choices=[SelectChoice(name, name) for name in EVENTS],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class ButtonForm(Form):
    """A button that needs nothing but its CSRF token."""


def _endpoint(appid: str, endpoint_id: str) -> tuple[App, WebhookEndpoint]:
    app = own_app(me(), appid)
    return app, endpoints.get_endpoint(app, endpoint_id)


def _back(app: App) -> Response:
    return redirect(url_for(".list_endpoints", appid=app.appid), 303)


def _apply(form: EndpointForm, exc: ValidationFailed) -> None:
    for name, messages in exc.fields.items():
        target = getattr(form, name, None) or form.url
        target.errors = [*list(target.errors or []), *messages]


@bp.get("/<appid>/webhooks")
@developer_required
def list_endpoints(appid: str) -> ResponseReturnValue:
    """The app's webhook endpoints, and a secret just created or rotated (shown once)."""
    app = own_app(me(), appid)
    shown = reveal.take(REVEAL, app.appid or "")
    return render_template("webhooks/list.html", app=app, endpoints=endpoints.endpoints_of(app),
                           form=ButtonForm(), shown=shown, max_endpoints=endpoints.MAX_ENDPOINTS,
                           standard_secret=standard_secret)


def _save(app: App, endpoint: WebhookEndpoint | None) -> ResponseReturnValue:
    form = EndpointForm(obj=endpoint) if request.method == "GET" else EndpointForm()
    if form.validate_on_submit():
        values: dict[str, Any] = {"url": form.url.data, "description": form.description.data or "",
                                  "event_types": list(form.event_types.data or [])}
        try:
            if endpoint is None:
                endpoint = endpoints.create_endpoint(app, me().id, values["url"],
                                                     event_types=values["event_types"],
                                                     description=values["description"])
                reveal.stash(REVEAL, app.appid or "", {"id": str(endpoint.id),
                                                       "secret": endpoint.secret})
            else:
                endpoints.update_endpoint(endpoint, me().id, values)
        except ValidationFailed as exc:
            db.session.rollback()
            _apply(form, exc)
        else:
            db.session.commit()
            flash(_("Webhook endpoint %(url)s saved.", url=endpoint.url))
            return _back(app)
    status = 400 if request.method == "POST" else 200
    return render_template("webhooks/form.html", app=app, endpoint=endpoint, form=form), status


@bp.route("/<appid>/webhooks/new", methods=["GET", "POST"])
@developer_required
def new_endpoint(appid: str) -> ResponseReturnValue:
    """Add an endpoint; its signing secret is shown once on the next page."""
    return _save(own_app(me(), appid), None)


@bp.route("/<appid>/webhooks/<endpoint_id>/edit", methods=["GET", "POST"])
@developer_required
def edit_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Change an endpoint's URL, description and subscribed events."""
    return _save(*_endpoint(appid, endpoint_id))


@bp.post("/<appid>/webhooks/<endpoint_id>/remove")
@developer_required
def remove_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Delete an endpoint with its queued deliveries."""
    app, endpoint = _endpoint(appid, endpoint_id)
    url = endpoint.url
    endpoints.remove_endpoint(endpoint, me().id)
    db.session.commit()
    flash(_("Webhook endpoint %(url)s removed.", url=url))
    return _back(app)


@bp.post("/<appid>/webhooks/<endpoint_id>/enable")
@developer_required
def enable_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Deliver to the endpoint again; what was held for it goes out now."""
    app, endpoint = _endpoint(appid, endpoint_id)
    if not endpoint.enabled:
        endpoints.enable(endpoint, me().id)
        db.session.commit()
    flash(_("Webhook endpoint %(url)s enabled.", url=endpoint.url))
    return _back(app)


@bp.post("/<appid>/webhooks/<endpoint_id>/disable")
@developer_required
def disable_endpoint(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Stop delivering to the endpoint (its deliveries are held until it is enabled)."""
    app, endpoint = _endpoint(appid, endpoint_id)
    if endpoint.enabled:
        endpoints.disable(endpoint, me().id, "developer")
        db.session.commit()
    flash(_("Webhook endpoint %(url)s disabled.", url=endpoint.url))
    return _back(app)


@bp.post("/<appid>/webhooks/<endpoint_id>/rotate")
@developer_required
def rotate_secret(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """A new signing secret for the endpoint (the previous one co-signs for the overlap)."""
    app, endpoint = _endpoint(appid, endpoint_id)
    secret = endpoints.rotate_secret(endpoint, me().id,
                                     int(current_app.config["ZC_WEBHOOK_SECRET_OVERLAP"]))
    db.session.commit()
    reveal.stash(REVEAL, app.appid or "", {"id": str(endpoint.id), "secret": secret})
    return _back(app)


@bp.post("/<appid>/webhooks/<endpoint_id>/test")
@developer_required
def send_test(appid: str, endpoint_id: str) -> ResponseReturnValue:
    """Send a signed `webhook.test` event to this endpoint (a few per minute per app)."""
    app, endpoint = _endpoint(appid, endpoint_id)
    try:
        [message] = send_test_event(app, me().id, endpoint)
    except TestEventsLimited as exc:
        flash(str(exc.description))
        return _back(app)
    db.session.commit()
    flash(_("Test event %(event_id)s is on its way to %(url)s.", event_id=message.event_id,
            url=message.url))
    return redirect(url_for("developer_deliveries.list_deliveries", appid=app.appid), 303)

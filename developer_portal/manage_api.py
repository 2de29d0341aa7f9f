"""The management API (/api/v1/manage/): apps and statistics over personal API keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from developer_portal.blueprints import manage as bp
from developer_portal.schemas import (
    AppCreateSchema,
    AppSchema,
    AppUpdateSchema,
    CredentialsSchema,
    StatsQuerySchema,
)
from gateway.accounts.models import User
from gateway.apps import services as app_services
from gateway.apps.models import App
from gateway.developers import keys, services
from gateway.developers.errors import InvalidApiKey, ReadOnlyKey
from gateway.errors import ValidationFailed, ZoneConnectError, render_error
from gateway.extensions import csrf, db
from gateway.i18n import _l
from gateway.outbox import endpoints
from gateway.timeutil import isoformat, utcnow
from gateway.usage import queries

csrf.exempt(bp)
MAX_DAYS = 366


@bp.errorhandler(InvalidApiKey)
def _invalid_key(exc: InvalidApiKey) -> ResponseReturnValue:
    return render_error(exc.to_dict(), exc.status,
                        {"WWW-Authenticate": 'Bearer error="invalid_token"'})


@bp.before_request
def _authenticate() -> None:
    """Every route needs a valid key of a developer; writes need a write key."""
    user, key = keys.authenticate(request.headers.get("Authorization"))
    services.require_profile(user)
    if request.method not in ("GET", "HEAD", "OPTIONS") and not key.can_write:
        raise ReadOnlyKey()
    g.manage_user = user
    db.session.commit()  # keeps last_used_at even when the request then fails


def _user() -> User:
    return g.manage_user


def _body(schema: Schema) -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ZoneConnectError(_l("Send a JSON object with Content-Type: application/json."))
    try:
        return schema.load(payload)
    except SchemaError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise ValidationFailed({str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                                for k, v in messages.items()}) from None


def app_json(app: App) -> dict[str, Any]:
    """An app as JSON (AppSchema)."""
    data = AppSchema().dump(app)
    data["created_at"], data["updated_at"] = isoformat(app.created_at), isoformat(app.updated_at)
    return data


@bp.get("/apps")
def list_apps() -> ResponseReturnValue:
    """Your apps."""
    return jsonify({"data": [app_json(a) for a in services.apps_of(_user())]})


@bp.post("/apps")
def create_app() -> ResponseReturnValue:
    """Register an app; the answer holds its appkey, shown only this once."""
    data = _body(AppCreateSchema())
    app, appkey = app_services.create_app(
        _user(), name=data["name"], redirect_uris=data["redirect_uris"],
        app_type=data.get("app_type", "web"))
    # The other fields go through the same validation as an update (URLs checked); a failure
    # rolls the whole registration back.
    extra = {k: v for k, v in data.items()
             if k not in ("name", "redirect_uris", "app_type", "webhook_url")}
    if data.get("webhook_url"):
        endpoints.create_endpoint(app, _user().id, data["webhook_url"], field="webhook_url",
                                  secret=app.webhook_secret)
    if extra:
        services.update_app(app, _user(), extra)
    db.session.commit()
    body = CredentialsSchema().dump({"appid": app.appid, "appkey": appkey,
                                     "previous_appkey_expires_at": None,
                                     "webhook_secret": app.webhook_secret})
    body["app"] = app_json(app)
    return jsonify(body), 201


@bp.get("/apps/<appid>")
def get_app(appid: str) -> ResponseReturnValue:
    """One of your apps."""
    return jsonify(app_json(services.own_app(_user(), appid)))


@bp.patch("/apps/<appid>")
def update_app(appid: str) -> ResponseReturnValue:
    """Change some fields of one of your apps."""
    app = services.own_app(_user(), appid)
    services.update_app(app, _user(), _body(AppUpdateSchema()))
    db.session.commit()
    return jsonify(app_json(app))


@bp.post("/apps/<appid>/rotate-appkey")
def rotate_appkey(appid: str) -> ResponseReturnValue:
    """A new appkey; the previous one works until previous_appkey_expires_at."""
    app = services.own_app(_user(), appid)
    overlap = int(current_app.config["ZC_APPKEY_ROTATION_OVERLAP"])
    appkey = app_services.rotate_appkey(app, actor_id=_user().id, overlap_seconds=overlap)
    db.session.commit()
    return jsonify({"appid": app.appid, "appkey": appkey,
                    "previous_appkey_expires_at": isoformat(app.previous_appkey_expires_at),
                    "app": app_json(app)})


@bp.get("/apps/<appid>/stats")
def stats(appid: str) -> ResponseReturnValue:
    """Daily series of one app (?from=YYYY-MM-DD&to=YYYY-MM-DD, default the last 30 days)."""
    app = services.own_app(_user(), appid)
    try:
        query = StatsQuerySchema().load(dict(request.args))
    except SchemaError as exc:
        raise ValidationFailed({str(k): [str(m) for m in v]
                                for k, v in exc.messages.items()}) from None
    end = query.get("to") or utcnow().date()
    start = query.get("from_") or end - timedelta(days=29)
    if end < start or (end - start).days >= MAX_DAYS:
        raise ValidationFailed({"from": [_l("Choose a range of 1 to %(n)s days.", n=MAX_DAYS)]})
    series = {name: queries.app_series(name, app.id, start, end).lines
              for name in queries.APP_SERIES}
    return jsonify({"appid": app.appid, "from": start.isoformat(), "to": end.isoformat(),
                    "days": [d.isoformat() for d in queries.days_between(start, end)],
                    "series": series})


@bp.get("/apps/<appid>/auth-events")
def auth_events(appid: str) -> ResponseReturnValue:
    """The app's authorization and token events, newest first (filters as on the portal page)."""
    from developer_portal.auth_events.views import parse_filter
    from gateway.authlog import services as authlog

    app = services.own_app(_user(), appid)
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= authlog.MAX_PAGE:
        raise ValidationFailed({"limit": [
            _l("Choose a number from 1 to %(n)s.", n=authlog.MAX_PAGE)]})
    events = authlog.events_for_app(app.id, parse_filter(request.args), int(limit))
    return jsonify({"appid": app.appid, "data": [authlog.event_json(e) for e in events],
                    "next_before": events[-1].id if len(events) == int(limit) else None})


@bp.delete("/apps/<appid>")
def delete_app(appid: str) -> ResponseReturnValue:
    """Delete one of your apps: body {"confirm_name": "<the app's name>"} (see the portal page)."""
    from gateway.developers import deletion

    app = services.own_app(_user(), appid)
    payload = request.get_json(silent=True)
    confirm = payload.get("confirm_name") if isinstance(payload, dict) else None
    if not isinstance(confirm, str):
        raise ValidationFailed({"confirm_name": [_l("Repeat the app's name to delete it.")]})
    removed = deletion.delete_app(app, _user(), confirm)
    db.session.commit()
    return jsonify({"appid": app.appid, "status": app.status,
                    "deleted_at": isoformat(app.deleted_at), "grants_removed": removed})

"""The orders API (HTTP Basic appid:appkey): create, read and refund orders."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.apps import services as apps
from gateway.apps.errors import AppNotFound, InvalidAppKey
from gateway.apps.models import App
from gateway.authorizations.services import granted_scopes
from gateway.errors import ZoneConnectError
from gateway.extensions import csrf, db
from gateway.i18n import _l
from gateway.identity.services import user_id_for_openid
from gateway.payments import services
from gateway.payments.errors import (
    AppAuthRequired,
    IdempotencyConflict,
    PayPermissionMissing,
    PayScopeMissing,
)
from gateway.payments.models import IdempotentRequest
from gateway.payments.schemas import parse_order

bp = Blueprint("payments_api", __name__, url_prefix="/api/v1/payments")
csrf.exempt(bp)


def authenticate_app() -> App:
    """The app named by HTTP Basic appid:appkey, or 401."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        raise AppAuthRequired()
    try:
        app = apps.find_by_appid(auth.username)
        apps.verify_appkey(app, auth.password)
    except (AppNotFound, InvalidAppKey) as exc:
        raise AppAuthRequired(_l("The appid or appkey is wrong.")) from exc
    return app


def _payer(app: App, openid: str) -> int:
    """The user who may pay this app, after every permission check."""
    if "pay" not in app.granted_scopes():
        raise PayPermissionMissing()
    user_id = user_id_for_openid(app, openid)
    if user_id is None:
        raise ZoneConnectError(_l("No user has this openid for this app."), code="unknown_openid",
                               status=404)
    apps.ensure_usable_by(app, user_id)
    if "pay" not in granted_scopes(user_id, app.id):
        raise PayScopeMissing()
    return user_id


def _request_digest() -> str:
    try:  # the app's JSON provider: its size and depth limits hold here too
        canonical = json.dumps(current_app.json.loads(request.get_data()),
                               sort_keys=True).encode()
    except ValueError:
        canonical = request.get_data()
    return hashlib.sha256(canonical).hexdigest()


def _replay(app: App, key: str, digest: str) -> ResponseReturnValue | None:
    stored = db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.app_id == app.id, IdempotentRequest.key == key))
    if stored is None:
        return None
    if stored.request_digest != digest:
        raise IdempotencyConflict()
    return jsonify(stored.response), 200


@bp.post("/orders")
def create_order() -> ResponseReturnValue:
    """Create a pending order for a user of this app; Idempotency-Key makes retries safe."""
    app = authenticate_app()
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 255:
        raise ZoneConnectError(_l("Idempotency-Key is at most 255 characters."))
    digest = _request_digest()
    if key and (replayed := _replay(app, key, digest)) is not None:
        return replayed
    order_request = parse_order(request.get_json(silent=True))
    order = services.create_order(app, _payer(app, order_request.openid), order_request)
    body: dict[str, Any] = services.order_dict(order)
    if key:
        db.session.add(IdempotentRequest(app_id=app.id, key=key, request_digest=digest,
                                         status_code=201, response=body))
    try:
        db.session.commit()
    except IntegrityError:  # the same key raced us: answer as the winner did
        db.session.rollback()
        app = authenticate_app()
        replayed = _replay(app, key, digest)
        if replayed is None:
            raise
        return replayed
    return jsonify(body), 201


@bp.get("/orders/<order_id>")
def read_order(order_id: str) -> ResponseReturnValue:
    """Read one of this app's orders."""
    app = authenticate_app()
    return jsonify(services.order_dict(services.get_order(order_id, app_id=app.id)))


@bp.post("/orders/<order_id>/refund")
def refund_order(order_id: str) -> ResponseReturnValue:
    """Refund one of this app's paid orders."""
    app = authenticate_app()
    order = services.refund(order_id, app_id=app.id)
    db.session.commit()
    return jsonify(services.order_dict(order))

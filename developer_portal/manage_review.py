"""The management API's review routes: submit for review, permission requests, test users."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from developer_portal.blueprints import manage as bp
from developer_portal.manage_api import _user, app_json
from gateway.developers import services
from gateway.errors import ValidationFailed, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l

MAX_TEST_USERS = 100


def _json() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ZoneConnectError(_l("Send a JSON object with Content-Type: application/json."))
    return payload


@bp.post("/apps/<appid>/submit")
def submit(appid: str) -> ResponseReturnValue:
    """Send a draft or rejected app to review (409 invalid_state otherwise); audited."""
    app = services.own_app(_user(), appid)
    services.submit_for_review(app, _user())
    db.session.commit()
    return jsonify(app_json(app))


@bp.post("/apps/<appid>/permissions")
def request_permission(appid: str) -> ResponseReturnValue:
    """Apply for a permission: {"scope": ..., "reason": ...}; an operator decides."""
    app = services.own_app(_user(), appid)
    body = _json()
    scope, reason = body.get("scope"), body.get("reason")
    if not isinstance(scope, str) or not isinstance(reason, str):
        raise ValidationFailed({name: ["A string is required."] for name, value in
                                (("scope", scope), ("reason", reason))
                                if not isinstance(value, str)})
    services.request_permission(app, _user(), scope[:64], reason)
    db.session.commit()
    return jsonify(app_json(app)), 201


@bp.get("/apps/<appid>/test-users")
def test_users(appid: str) -> ResponseReturnValue:
    """The usernames that may use the app before it is live."""
    app = services.own_app(_user(), appid)
    return jsonify({"appid": app.appid, "usernames": services.test_usernames(app)})


@bp.put("/apps/<appid>/test-users")
def set_test_users(appid: str) -> ResponseReturnValue:
    """Replace the test users: {"usernames": [...]} (unknown names are a 422)."""
    app = services.own_app(_user(), appid)
    names = _json().get("usernames")
    if (not isinstance(names, list) or len(names) > MAX_TEST_USERS
            or not all(isinstance(n, str) and len(n) <= 64 for n in names)):
        raise ValidationFailed({"usernames": [
            _l("A list of at most %(n)s usernames.", n=MAX_TEST_USERS)]})
    services.set_test_users(app, _user(), names)
    db.session.commit()
    return jsonify({"appid": app.appid, "usernames": services.test_usernames(app)})

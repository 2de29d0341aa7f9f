"""The management API's sandbox routes: the app's mode and test coins for its test users, as on
the portal's sandbox page (same rules, same audit)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from developer_portal.blueprints import manage as bp
from developer_portal.manage_api import _user, app_json
from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.developers import services
from gateway.errors import ValidationFailed, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l
from gateway.ledger import services as ledger
from gateway.payments import sandbox
from gateway.payments.errors import NotATestUser


def _json() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ZoneConnectError(_l("Send a JSON object with Content-Type: application/json."))
    return payload


def _test_coins(app: App) -> dict[str, Any]:
    names = services.test_usernames(app)
    developer = db.session.get(User, app.developer_id)
    users: list[User] = list(db.session.scalars(
        select(User).where(User.username.in_(names)))) if names else []
    testers = {u.id: u for u in [*users, *([developer] if developer else [])]}
    return {"appid": app.appid, "mode": "sandbox" if app.sandbox else "live",
            "test_sales": sandbox.test_sales(app),
            "testers": [{"username": u.username, "test_coins": ledger.test_coin_balance(u.id)}
                        for u in sorted(testers.values(), key=lambda u: u.username)]}


@bp.post("/apps/<appid>/mode")
def set_mode(appid: str) -> ResponseReturnValue:
    """Switch the app to {"mode": "sandbox"} or {"mode": "live"}; audited."""
    app = services.own_app(_user(), appid)
    mode = _json().get("mode")
    if mode not in ("sandbox", "live"):
        raise ValidationFailed({"mode": [_l("One of %(values)s.", values="sandbox, live")]})
    sandbox.set_mode(app, sandbox=mode == "sandbox", actor_id=_user().id)
    db.session.commit()
    return jsonify(app_json(app))


@bp.get("/apps/<appid>/test-coins")
def test_coins(appid: str) -> ResponseReturnValue:
    """The app's mode, its testers' test coins and what its sandbox orders took in."""
    return jsonify(_test_coins(services.own_app(_user(), appid)))


@bp.post("/apps/<appid>/test-coins")
def grant_test_coins(appid: str) -> ResponseReturnValue:
    """Give a test user test coins: {"username", "coins", "grant_id"?} (a repeated grant_id,
    32 hex digits, grants once)."""
    app = services.own_app(_user(), appid)
    body = _json()
    username, coins, grant_id = body.get("username"), body.get("coins"), body.get("grant_id")
    problems: dict[str, list[str]] = {}
    if not isinstance(username, str) or not 0 < len(username) <= 64:
        problems["username"] = [_l("A username of one of the app's test users.")]
    if grant_id is not None and (not isinstance(grant_id, str)
                                 or not sandbox.GRANT_ID.match(grant_id)):
        problems["grant_id"] = [_l("32 lowercase hexadecimal digits.")]
    if problems:
        raise ValidationFailed(problems)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotATestUser()  # the same answer as for a real user: names are not probed here
    sandbox.grant_test_coins(app, user.id, coins, actor_id=_user().id,  # type: ignore[arg-type]
                             grant_id=grant_id)
    db.session.commit()
    return jsonify(_test_coins(app)), 201

"""The management API's revenue routes: what the portal's revenue page shows (balances,
unsettled sales, monthly statements, payouts). Reads: any key of the developer may call them."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from developer_portal.blueprints import manage as bp
from developer_portal.manage_api import _user
from gateway.developers import services
from gateway.errors import ValidationFailed
from gateway.i18n import _l
from gateway.revenue import statements
from gateway.revenue.settlement import MONTH

MAX_PAYOUTS = 200


@bp.get("/revenue")
def revenue_summary() -> ResponseReturnValue:
    """Your balances (minor units) and the paid sales not yet settled, by month."""
    return jsonify(statements.summary(_user().id))


@bp.get("/revenue/statements")
def revenue_statements() -> ResponseReturnValue:
    """Settled months per app, newest first (?from=YYYY-MM&to=YYYY-MM&appid=...)."""
    problems = {name: [_l("Use the form YYYY-MM.")] for name in ("from", "to")
                if (value := request.args.get(name)) is not None and not MONTH.match(value)}
    if problems:
        raise ValidationFailed(problems)
    app_id = None
    if appid := request.args.get("appid"):
        app_id = services.own_app(_user(), appid[:16]).id
    rows = statements.statements(_user().id, from_month=request.args.get("from"),
                                 to_month=request.args.get("to"), app_id=app_id)
    return jsonify({"data": rows})


@bp.get("/revenue/payouts")
def revenue_payouts() -> ResponseReturnValue:
    """Your latest payouts to your Stripe connected account (?limit=, at most 200)."""
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAYOUTS:
        raise ValidationFailed({"limit": [_l("Choose a number from 1 to %(n)s.",
                                             n=MAX_PAYOUTS)]})
    return jsonify({"data": statements.payouts(_user().id, int(limit))})

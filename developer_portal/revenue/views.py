"""The developer's revenue page, CSV statement and payouts."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from developer_portal.revenue.access import me
from developer_portal.revenue.charts import earnings_svg
from gateway import public_url
from gateway.accounts.views import login_required
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import N_, _
from gateway.ledger import services as ledger
from gateway.mfa.flow import ask_for_second_factor, step_up_required
from gateway.revenue.models import ConnectedAccount, Payout
from gateway.revenue.payouts import connect_account
from gateway.revenue.settlement import monthly_totals, unsettled_by_month

bp = Blueprint("developer_revenue", __name__, url_prefix="/developer/revenue",
               template_folder="templates")
BALANCES = ("unsettled", "pending", "available", "receivable")
STATEMENT_COLUMNS = (N_("month"), N_("app"), N_("gross"), N_("refunds"), N_("platform_share"),
                     N_("net"), N_("status"), N_("currency"))


def _balances(developer_id: int) -> dict[str, int]:
    return {kind: ledger.balance(ledger.developer(developer_id, kind)) for kind in BALANCES}


@bp.get("")
@login_required
def overview() -> ResponseReturnValue:
    """Sales, refunds, platform share and net by month and app; balances; payouts; chart."""
    user = me()
    rows = monthly_totals(user.id)
    payouts = db.session.scalars(select(Payout).where(Payout.developer_id == user.id)
                                 .order_by(Payout.id.desc()).limit(50)).all()
    connected = db.session.scalar(select(ConnectedAccount).where(
        ConnectedAccount.developer_id == user.id))
    page = render_template("revenue_portal/overview.html", rows=rows, payouts=payouts,
                           balances=_balances(user.id), unsettled=unsettled_by_month(user.id),
                           chart=earnings_svg(rows), currency=ledger.money_currency(),
                           connected=connected)
    db.session.commit()  # balances may have opened the developer's accounts
    return page


@bp.get("/statement.csv")
@login_required
def statement() -> ResponseReturnValue:
    """The settled months as CSV (amounts in minor units)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Column names in the reader's language (English: the documented names); values stay raw.
    writer.writerow([_(name) for name in STATEMENT_COLUMNS])
    currency = ledger.money_currency()
    for row in monthly_totals(me().id):
        writer.writerow([row["month"], _csv_safe(str(row["app"])), row["gross"], row["refunds"],
                         row["platform"], row["developer"], row["status"], currency])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=statement.csv"})


def _csv_safe(text: str) -> str:
    """Keep spreadsheet programs from running an app name as a formula."""
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text


@bp.get("/payouts")
@login_required
def payouts() -> ResponseReturnValue:
    """The connected Stripe account's state and the button that (re)starts onboarding."""
    user = me()
    connected = db.session.scalar(select(ConnectedAccount).where(
        ConnectedAccount.developer_id == user.id))
    return render_template("revenue_portal/payouts.html", connected=connected, form=Form())


@bp.post("/payouts")
@login_required
@step_up_required
def connect() -> ResponseReturnValue:
    """Create the developer's Stripe account if needed and send them to onboarding."""
    if not Form().validate_on_submit():
        return payouts(), 400
    ask_for_second_factor(me())  # before a payout account is connected
    here = public_url.external(url_for("developer_revenue.payouts"))
    link = connect_account(me().id, return_url=here, refresh_url=here)
    db.session.commit()
    return redirect(link)

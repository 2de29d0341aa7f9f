"""The developer revenue page, CSV statement and chart; the operators' tier editor."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import date, datetime

from flask import Flask
from flask.testing import FlaskClient

from gateway.extensions import db
from gateway.payments.models import Order
from gateway.revenue.models import RevenueTier
from gateway.revenue.settlement import settle_month
from gateway.revenue.tiers import schedule_for
from gateway.wallet.services import grant
from tests.conftest import csrf_from
from tests.money_helpers import make_shop, pay_order


def _developer_with_a_settled_month(factory) -> tuple[str, str]:
    from gateway.accounts.models import User

    shop = make_shop(factory)
    grant(shop.user_id, 300)
    order_id = pay_order(shop, 300)
    db.session.get(Order, order_id).paid_at = datetime(2026, 3, 2)
    db.session.commit()
    settle_month("2026-03")
    db.session.commit()
    return db.session.get(User, shop.developer_id).username, shop.app.name


def test_revenue_page_shows_months_balances_and_a_script_free_chart(
        app: Flask, client: FlaskClient, factory, auth) -> None:
    username, app_name = _developer_with_a_settled_month(factory)
    auth.login(username)
    response = client.get("/developer/revenue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2026-03" in html and app_name in html and "CN¥30.00" in html  # Babel, English
    assert '<dd id="balance-pending">CN¥30.00</dd>' in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html) and "<style" not in html  # no inline
    # The chart is an SVG image (img-src allows data:), which never runs script.
    src = re.search(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert src is not None
    chart = base64.b64decode(src.group(1))
    assert chart.startswith(b"<svg") and b"<script" not in chart and b"2026-03" in chart
    assert '<a href="/developer/revenue">Revenue</a>' in html


def test_csv_statement(app: Flask, client: FlaskClient, factory, auth) -> None:
    username, app_name = _developer_with_a_settled_month(factory)
    auth.login(username)
    response = client.get("/developer/revenue/statement.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:6] == ["month", "app", "gross", "refunds", "platform_share", "net"]
    assert rows[1] == ["2026-03", app_name, "3000", "0", "0", "3000", "pending", "CNY"]


def test_tier_editor_is_for_operators_only(app: Flask, client: FlaskClient, factory,
                                           auth) -> None:
    factory.user("devuser1")
    auth.login("devuser1")
    assert client.get("/admin/revenue/tiers").status_code == 403


def test_operator_saves_a_schedule(app: Flask, client: FlaskClient, factory, auth) -> None:
    factory.user("operator1", is_admin=True)
    auth.login("operator1")
    page = client.get("/admin/revenue/tiers")
    assert page.status_code == 200 and "100%" in page.get_data(as_text=True)
    response = client.post("/admin/revenue/tiers", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "effective_from": "2027-01-01",
        "bands": "0 90\n50000 60"})
    assert response.status_code == 302
    db.session.expire_all()
    assert schedule_for(date(2027, 2, 1)) == (date(2027, 1, 1), [(0, 9000), (5_000_000, 6000)])


def test_bad_schedules_are_refused(app: Flask, client: FlaskClient, factory, auth) -> None:
    factory.user("operator1", is_admin=True)
    auth.login("operator1")
    token = csrf_from(client.get("/admin/revenue/tiers").get_data(as_text=True))
    before = db.session.query(RevenueTier).count()
    for bands in ("10 90", "0 90\n0 80", "0 90\n100 120", "0 -5", "zero ninety", "0"):
        response = client.post("/admin/revenue/tiers", data={
            "csrf_token": token, "effective_from": "2027-01-01", "bands": bands})
        assert response.status_code == 400, bands
    db.session.expire_all()
    assert db.session.query(RevenueTier).count() == before

"""The management API's revenue routes (what the revenue page shows) and sandbox routes (mode,
test coins), with the same ownership, key scopes and audit as the pages."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.accounts.models import User
from gateway.apps import services as apps
from gateway.audit.models import AuditEvent
from gateway.developers import keys
from gateway.developers import services as developers
from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.payments.models import Order
from gateway.revenue.settlement import settle_month
from gateway.wallet.services import grant
from tests.money_helpers import Shop, make_shop, pay_order

BASE = "/api/v1/manage"


def _bearer(user: User, scope: str = "write") -> dict[str, str]:
    if developers.profile_of(user) is None:
        developers.open_profile(user, name=f"{user.username} Ltd",
                                contact_email=f"{user.username}@example.com")
    _, token = keys.create_key(user, name="ci", scope=scope)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _shop_with_sales(factory) -> tuple[Shop, dict[str, str]]:
    """A shop whose March sales (30 + 20 coins, one refunded later) are settled."""
    shop = make_shop(factory)
    for amount in (30, 20):
        grant(shop.user_id, amount)
        order_id = pay_order(shop, amount)
        db.session.get(Order, order_id).paid_at = datetime(2026, 3, 2)
    db.session.commit()
    settle_month("2026-03")
    grant(shop.user_id, 5)
    pay_order(shop, 5)  # paid this month: unsettled
    db.session.commit()
    return shop, _bearer(db.session.get(User, shop.developer_id))


def test_revenue_summary_and_statements(app: Flask, client: FlaskClient, factory) -> None:
    shop, bearer = _shop_with_sales(factory)
    summary = client.get(f"{BASE}/revenue", headers=bearer)
    assert summary.status_code == 200
    body = summary.get_json()
    assert body["currency"] == "CNY"
    assert body["balances"] == {"unsettled": 50, "pending": 500, "available": 0,
                                "receivable": 0}
    assert [row["gross"] for row in body["unsettled"]] == [50]
    statements = client.get(f"{BASE}/revenue/statements", headers=bearer).get_json()["data"]
    assert statements == [{
        "month": "2026-03", "appid": shop.app.appid, "app": "Sword Shop", "currency": "CNY",
        "gross": 500, "refunds": 0, "platform_share": 0, "net": 500, "status": "pending",
        "tiers_from": statements[0]["tiers_from"], "hold_until": statements[0]["hold_until"],
        "released_at": None}]
    # The same figures the portal's CSV statement gives.
    filtered = client.get(f"{BASE}/revenue/statements?from=2026-04&to=2026-12", headers=bearer)
    assert filtered.get_json()["data"] == []
    one_app = client.get(f"{BASE}/revenue/statements?appid={shop.app.appid}&from=2026-03",
                         headers=bearer)
    assert len(one_app.get_json()["data"]) == 1
    payouts = client.get(f"{BASE}/revenue/payouts", headers=bearer)
    assert payouts.status_code == 200 and payouts.get_json()["data"] == []


def test_sandbox_sales_never_show_in_revenue(app: Flask, client: FlaskClient, factory) -> None:
    from gateway.payments import sandbox

    shop, bearer = _shop_with_sales(factory)
    apps.add_test_user(shop.app, db.session.get(User, shop.user_id))
    shop.app.sandbox = True
    sandbox.grant_test_coins(shop.app, shop.user_id, 900, actor_id=shop.developer_id)
    db.session.commit()
    pay_order(shop, 900)
    body = client.get(f"{BASE}/revenue", headers=bearer).get_json()
    assert body["balances"]["unsettled"] == 50 and [r["gross"] for r in body["unsettled"]] == [50]


def test_revenue_is_yours_only_and_input_is_checked(app: Flask, client: FlaskClient,
                                                    factory) -> None:
    shop, _ = _shop_with_sales(factory)
    other = _bearer(factory.user(), scope="read")  # a read key reads
    assert client.get(f"{BASE}/revenue/statements", headers=other).get_json()["data"] == []
    assert client.get(f"{BASE}/revenue", headers=other).get_json()["balances"] == {
        "unsettled": 0, "pending": 0, "available": 0, "receivable": 0}
    foreign = client.get(f"{BASE}/revenue/statements?appid={shop.app.appid}", headers=other)
    assert foreign.status_code == 404
    for query in ("from=2026-3", "to=march", "from=2026-13"):
        bad = client.get(f"{BASE}/revenue/statements?{query}", headers=other)
        assert bad.status_code == 422 and bad.get_json()["error"] == "validation_error", query
    for limit in ("0", "201", "x", "-1"):
        assert client.get(f"{BASE}/revenue/payouts?limit={limit}",
                          headers=other).status_code == 422
    assert client.get(f"{BASE}/revenue").status_code == 401


def test_mode_and_test_coins_over_the_api(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    developer = db.session.get(User, shop.developer_id)
    bearer, reader = _bearer(developer), _bearer(developer, scope="read")
    url = f"{BASE}/apps/{shop.app.appid}"
    assert client.post(f"{url}/mode", json={"mode": "sandbox"}, headers=reader).status_code == 403
    for body in (None, {"mode": "test"}, {"mode": True}):
        assert client.post(f"{url}/mode", json=body, headers=bearer).status_code in (400, 422)
    done = client.post(f"{url}/mode", json={"mode": "sandbox"}, headers=bearer)
    assert done.status_code == 200 and done.get_json()["sandbox"] is True
    assert db.session.scalar(select(AuditEvent.details).where(
        AuditEvent.action == "app.mode_changed"))["mode"] == "sandbox"

    stranger = factory.user()
    refused = client.post(f"{url}/test-coins", json={"username": stranger.username, "coins": 5},
                          headers=bearer)
    assert refused.status_code == 403 and refused.get_json()["error"] == "sandbox_test_users_only"
    ghost = client.post(f"{url}/test-coins", json={"username": "ghost", "coins": 5},
                        headers=bearer)
    assert ghost.status_code == 403
    assert ghost.get_json()["error_description"] == refused.get_json()["error_description"]
    apps.add_test_user(shop.app, db.session.get(User, shop.user_id))
    db.session.commit()
    for body in ({"username": shop.username, "coins": 0},
                 {"username": shop.username, "coins": "5"},
                 {"username": shop.username, "coins": 5, "grant_id": "nope"},
                 {"username": 5, "coins": 5}):
        assert client.post(f"{url}/test-coins", json=body, headers=bearer).status_code in (
            400, 422), body
    grant_body = {"username": shop.username, "coins": 70, "grant_id": "c" * 32}
    first = client.post(f"{url}/test-coins", json=grant_body, headers=bearer)
    second = client.post(f"{url}/test-coins", json=grant_body, headers=bearer)
    assert first.status_code == second.status_code == 201
    assert {"username": shop.username, "test_coins": 70} in second.get_json()["testers"]
    assert ledger.test_coin_balance(shop.user_id) == 70 and ledger.coin_balance(shop.user_id) == 0
    listed = client.get(f"{url}/test-coins", headers=reader).get_json()
    assert listed["mode"] == "sandbox" and listed["test_sales"] == 0
    other = _bearer(factory.user())
    assert client.get(f"{url}/test-coins", headers=other).status_code == 404


def test_the_openapi_document_lists_the_routes(app: Flask, client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/manage/revenue", "/api/v1/manage/revenue/statements",
                 "/api/v1/manage/revenue/payouts", "/api/v1/manage/apps/{appid}/mode",
                 "/api/v1/manage/apps/{appid}/test-coins"):
        assert path in paths, path
    order = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Order"]
    assert "livemode" in order["required"]

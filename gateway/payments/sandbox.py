"""Sandbox mode: test coins granted by a developer to their app's test users, and the legs that
pay a sandbox order inside the ledger's test book. Flush, never commit.

Nothing here touches a live account: `ledger.post` refuses any transaction that mixes books, so
test coins can never pay a live order nor real coins a sandbox one, and settlement (which reads
live orders only) never sees a sandbox sale.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from gateway.apps import services as apps
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.models import TEST_CURRENCY, LedgerAccount, LedgerTransaction
from gateway.ledger.services import Leg
from gateway.payments.errors import NotATestUser, TestBalanceTooHigh
from gateway.payments.models import Order
from gateway.wallet.services import MAX_COINS, check_amount

# A test user holds at most this many test coins: grants are free, not unbounded.
MAX_TEST_BALANCE = 10 * MAX_COINS
GRANT_ID = re.compile(r"^[0-9a-f]{32}$")


def may_use_sandbox(app: App, user_id: int) -> bool:
    """The app's developer and its test users, nobody else, hold its test coins and pay its
    sandbox orders."""
    return user_id == app.developer_id or apps.is_test_user(app, user_id)


def new_grant_id() -> str:
    """A fresh id for one grant form: submitting the same form twice grants once."""
    return secrets.token_hex(16)


def grant_test_coins(app: App, user_id: int, coins: int, *, actor_id: int,
                     grant_id: str | None = None) -> LedgerTransaction:
    """Give a test user of `app` test coins (the test book only); once per `grant_id`."""
    check_amount(coins)
    if not may_use_sandbox(app, user_id):
        raise NotATestUser()
    grant_id = grant_id if grant_id and GRANT_ID.match(grant_id) else new_grant_id()
    key = f"test-grant:{app.id}:{grant_id}"
    if (done := ledger.find(key)) is not None:
        return done
    if ledger.test_coin_balance(user_id) + coins > MAX_TEST_BALANCE:
        raise TestBalanceTooHigh()
    legs: list[Leg] = [(ledger.user_test_coins(user_id), coins),
                       (ledger.platform("test_issued", TEST_CURRENCY), -coins)]
    txn = ledger.post(key, "test.grant", legs, memo=f"{coins} test coins for {app.name}",
                      details={"app_id": app.id, "user_id": user_id, "coins": coins})
    audit.record("test_coins.granted", actor_id=actor_id, subject_type="app",
                 subject_id=app.appid, user_id=user_id, coins=coins)
    return txn


def pay_legs(order: Order, app: App) -> list[Leg]:
    """A sandbox order's payment: the user's test coins to the app's test sales."""
    if not may_use_sandbox(app, order.user_id):
        raise NotATestUser()
    return [(ledger.user_test_coins(order.user_id), -order.amount),
            (ledger.account("app", app.id, "test_sales", TEST_CURRENCY), order.amount)]


def set_mode(app: App, *, sandbox: bool, actor_id: int) -> None:
    """Switch the app between sandbox and live mode (orders made afterwards follow it); audited."""
    if app.sandbox != sandbox:
        app.sandbox = sandbox
        db.session.flush()
        audit.record("app.mode_changed", actor_id=actor_id, subject_type="app",
                     subject_id=app.appid, mode="sandbox" if sandbox else "live")


def test_sales(app: App) -> int:
    """How many test coins the app's sandbox orders took in (net of refunds)."""
    return int(db.session.scalar(select(LedgerAccount.balance).where(
        LedgerAccount.owner_type == "app", LedgerAccount.owner_id == app.id,
        LedgerAccount.kind == "test_sales")) or 0)


def sandbox_orders(app: App, limit: int = 20) -> list[Order]:
    """The app's latest sandbox orders."""
    return list(db.session.scalars(select(Order).where(
        Order.app_id == app.id, Order.livemode.is_(False))
        .order_by(Order.created_at.desc()).limit(limit)))

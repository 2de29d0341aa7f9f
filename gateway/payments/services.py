"""Order operations: create, pay, cancel, refund. Flush, never commit."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select, update

from gateway import public_url
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.labels import label
from gateway.ledger import services as ledger
from gateway.observability import metrics
from gateway.outbox.services import enqueue_webhook
from gateway.payments import sandbox
from gateway.payments.errors import AlreadyPaid, NotATestUser, OrderNotFound, OrderStateError
from gateway.payments.models import Order
from gateway.payments.schemas import OrderRequest
from gateway.timeutil import isoformat, utcnow


def confirm_url(order_id: str) -> str:
    """Where the user approves the order, under ZC_PUBLIC_URL (never a forged Host header)."""
    return public_url.external(f"/pay/orders/{order_id}/confirm")


def order_dict(order: Order) -> dict[str, Any]:
    """The order as the API and the callbacks show it."""
    return {"order_id": order.id, "status": order.status, "amount": order.amount,
            "item_id": order.item_id, "item_name": order.item_name, "openid": order.openid,
            "confirm_url": confirm_url(order.id),
            "notify_url": order.notify_url, "return_url": order.return_url,
            "livemode": order.livemode, "created_at": isoformat(order.created_at),
            "paid_at": isoformat(order.paid_at), "refunded_at": isoformat(order.refunded_at)}


def _count(order: Order, status: str) -> None:
    """zc_orders_total{status}, once the change commits; sandbox orders are not platform
    figures, so they are not counted."""
    if order.livemode:
        metrics.when_committed(lambda: metrics.order_event(status))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def check_return_url(app: App, url: str | None) -> str | None:
    """`url` if it is on the app's own site (its website's or a redirect URI's origin), so the
    platform never sends a paying user anywhere else; ValidationFailed otherwise."""
    if url is None:
        return None
    origins = {_origin(u) for u in [app.website, *app.redirect_uris] if u}
    if _origin(url) not in origins or not urlsplit(url).netloc:
        raise ValidationFailed({"return_url": [
            _l("Use a page of the app's own site (its website or a redirect URI's origin).")]})
    return url


RESUMABLE_FAILURE = "insufficient coins"


def is_payable(order: Order) -> bool:
    """Pending, or failed only for lack of coins (the user may top up and pay it after all)."""
    return order.status == "pending" or (
        order.status == "failed" and order.failure_reason == RESUMABLE_FAILURE)


def create_order(app: App, user_id: int, request: OrderRequest) -> Order:
    """Record a pending order; coins move only when the user confirms it. An app in sandbox
    mode makes a sandbox order (livemode false), for its test users only."""
    if app.sandbox and not sandbox.may_use_sandbox(app, user_id):
        raise NotATestUser()
    order = Order(id="ord_" + secrets.token_hex(12), app_id=app.id, user_id=user_id,
                  livemode=not app.sandbox,
                  openid=request.openid, amount=request.amount,
                  # Test coins are worth nothing: a sandbox order carries no money at all.
                  money_amount=request.amount * ledger.coin_minor_units() if not app.sandbox
                  else 0,
                  currency=ledger.money_currency(), item_id=request.item_id,
                  item_name=request.item_name, notify_url=request.notify_url,
                  return_url=check_return_url(app, request.return_url), created_at=utcnow())
    db.session.add(order)
    db.session.flush()
    _count(order, "pending")
    return order


def get_order(order_id: str, *, app_id: int | None = None, lock: bool = False) -> Order:
    """The order (optionally only if it belongs to `app_id`), or OrderNotFound."""
    stmt = select(Order).where(Order.id == order_id[:40])
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    order = db.session.scalar(stmt)
    if order is None or (app_id is not None and order.app_id != app_id):
        raise OrderNotFound()
    return order


def pay(order_id: str, user_id: int) -> Order:
    """Move the coins (user → developer's unsettled; a sandbox order: the user's test coins →
    the app's test sales) and announce order.paid; atomic.

    Raises InsufficientFunds with nothing moved; the caller rolls back and calls `fail`.
    """
    order = get_order(order_id, lock=True)
    if order.user_id != user_id:
        raise OrderNotFound()
    _claim_for_payment(order)
    app = db.session.get(App, order.app_id)
    assert app is not None
    ledger.post(f"order:{order.id}:pay", "order.pay" if order.livemode else "sandbox.pay",
                _live_pay_legs(order, app) if order.livemode else sandbox.pay_legs(order, app),
                memo=f"{app.name}: {order.item_name}",
                details={"order_id": order.id, "app_id": app.id})
    _count(order, "paid")
    enqueue_webhook(app, "order.paid", order_dict(order), url=order.notify_url,
                    livemode=order.livemode)
    if order.livemode:  # a sandbox order is a developer's test: no receipt
        from gateway.notifications.mails import order_receipt

        order_receipt(user_id, app_name=app.name, item_name=order.item_name,
                      coins=order.amount, order_id=order.id, paid_at=order.paid_at)
    return order


def _live_pay_legs(order: Order, app: App) -> list[ledger.Leg]:
    coins = ledger.user_coins(order.user_id)
    return [(coins, -order.amount), (ledger.platform("clearing", coins.currency), order.amount),
            (ledger.platform("clearing"), -order.money_amount),
            (ledger.developer(app.developer_id, "unsettled"), order.money_amount)]


def _claim_for_payment(order: Order) -> None:
    """Pending -> paid in one conditional UPDATE, before any coin moves: of concurrent
    confirmations exactly one claims the order (SQLite has no row locks; there the others wait
    for the write lock and then find it paid), the rest get AlreadyPaid. A refused payment rolls
    the claim back with everything else."""
    payable = or_(Order.status == "pending", and_(
        Order.status == "failed", Order.failure_reason == RESUMABLE_FAILURE))
    claimed = db.session.execute(update(Order).where(Order.id == order.id, payable)
                                 .values(status="paid", paid_at=utcnow(), failure_reason=""))
    db.session.refresh(order)
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return
    if order.status == "paid":
        raise AlreadyPaid()
    raise OrderStateError(_l("This order is %(status)s.", status=label(order.status)))


def fail(order_id: str, reason: str) -> Order:
    """Mark a pending order failed (after a refused payment was rolled back). One failed for
    RESUMABLE_FAILURE can still be paid: the user tops up and comes back to it."""
    order = get_order(order_id, lock=True)
    if order.status == "pending":
        order.status, order.failure_reason = "failed", reason[:255]
        db.session.flush()
        _count(order, "failed")
    return order


def cancel(order_id: str, user_id: int) -> Order:
    """The user declined: a pending (or resumable failed) order becomes canceled."""
    order = get_order(order_id, lock=True)
    if order.user_id != user_id:
        raise OrderNotFound()
    if not is_payable(order):
        raise OrderStateError(_l("This order is %(status)s.", status=label(order.status)))
    order.status = "canceled"
    db.session.flush()
    _count(order, "canceled")
    return order


def refund(order_id: str, *, app_id: int | None = None, actor_id: int | None = None) -> Order:
    """Give the coins back and take the developer's share back (a receivable if paid out)."""
    from gateway.revenue.settlement import refund_legs

    order = get_order(order_id, app_id=app_id, lock=True)
    if order.status == "refunded":
        return order
    if order.status != "paid":
        raise OrderStateError(_l("Only a paid order can be refunded."))
    app = db.session.get(App, order.app_id)
    assert app is not None
    original = ledger.find(f"order:{order.id}:pay")
    key = f"order:{order.id}:refund"
    if order.settlement_id is None and original is not None:
        ledger.reverse(original, key, memo=f"Refund: {order.item_name}")
    else:
        ledger.post(key, "order.refund", refund_legs(order, app), memo=f"Refund: {order.item_name}",
                    details={"order_id": order.id})
    order.status, order.refunded_at = "refunded", utcnow()
    db.session.flush()
    _count(order, "refunded")
    audit.record("order.refunded", actor_id=actor_id, subject_type="order", subject_id=order.id)
    enqueue_webhook(app, "order.refunded", order_dict(order), url=order.notify_url,
                    livemode=order.livemode)
    return order

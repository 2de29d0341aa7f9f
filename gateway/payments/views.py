"""The payment confirmation page a user sees for an app's order."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, render_template, request
from flask.typing import ResponseReturnValue

from gateway.accounts.sessions import current_user
from gateway.accounts.views import login_required
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _l
from gateway.ledger import services as ledger
from gateway.ledger.errors import InsufficientFunds
from gateway.payments import services
from gateway.payments.errors import AlreadyPaid, OrderNotFound
from gateway.payments.models import Order

bp = Blueprint("payments", __name__)
INSUFFICIENT = _l("Insufficient coins: you do not have enough coins for this order. Nothing was "
                  "paid. Top up, then pay it from here.")
INSUFFICIENT_TEST = _l("Insufficient test coins: nothing was paid. Ask the app's developer to "
                       "give you test coins in the developer portal, then pay it from here.")


def _user_order(order_id: str) -> tuple[int, Order]:
    user = current_user()
    assert user is not None
    order = services.get_order(order_id)
    if order.user_id != user.id:
        raise OrderNotFound()  # another user's order does not exist for you
    return user.id, order


def _website(app: App) -> str | None:
    parts = urlsplit(app.website or "")
    return app.website if parts.scheme in {"http", "https"} and parts.netloc else None


def _back_url(order: Order, app: App | None) -> str | None:
    """Where "back to the app" goes: the order's return_url, else the app's website."""
    return order.return_url or (_website(app) if app is not None else None)


def _balance(user_id: int, order: Order) -> int:
    """What can pay this order: the user's coins, or their test coins for a sandbox order."""
    return ledger.coin_balance(user_id) if order.livemode else ledger.test_coin_balance(user_id)


def _render_confirm(user_id: int, order: Order) -> ResponseReturnValue:
    app = db.session.get(App, order.app_id)
    return render_template("payments/confirm.html", order=order, app=app, form=Form(),
                           balance=_balance(user_id, order),
                           payable=services.is_payable(order), back_url=_back_url(order, app))


@bp.get("/pay/orders/<order_id>/confirm")
@login_required
def confirm(order_id: str) -> ResponseReturnValue:
    """Show the order (app, item, price, balance) and ask the user to confirm; an order that
    failed for lack of coins is offered again (after a top-up)."""
    user_id, order = _user_order(order_id)
    return _render_confirm(user_id, order)


@bp.post("/pay/orders/<order_id>/confirm")
@login_required
def decide(order_id: str) -> ResponseReturnValue:
    """Pay (confirm=yes) or decline (confirm=no) the order."""
    user_id, order = _user_order(order_id)
    if not Form().validate_on_submit():
        return _render_confirm(user_id, order)
    message, ok, already_paid = "", True, False
    if request.form.get("confirm") == "yes":
        try:
            services.pay(order.id, user_id)
            db.session.commit()
            audit.record("order.paid", actor_id=user_id, subject_type="order", subject_id=order.id)
        except InsufficientFunds:
            db.session.rollback()
            services.fail(order.id, services.RESUMABLE_FAILURE)
            message, ok = str(INSUFFICIENT if order.livemode else INSUFFICIENT_TEST), False
        except AlreadyPaid:  # a second click or a concurrent confirmation: nothing moves again
            db.session.rollback()
            already_paid = True
    else:
        services.cancel(order.id, user_id)
    db.session.commit()
    order = services.get_order(order.id)
    app = db.session.get(App, order.app_id)
    back = _back_url(order, app)
    if ok and not already_paid and back:
        return redirect(back)  # paid or declined: back where the user was on the app's site
    return render_template("payments/done.html", order=order, app=app, message=message,
                           already_paid=already_paid, back_url=back,
                           resumable=not ok and services.is_payable(order),
                           balance=_balance(user_id, order)), 402 if not ok else 200


def init_app(app: Flask) -> None:
    """Register the orders API and the confirmation page."""
    from gateway.payments.api import bp as api_bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)

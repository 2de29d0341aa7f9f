"""Monthly settlement (unsettled → pending / revenue), release after the hold, refund legs.

The holding period (ZC_SETTLEMENT_HOLD_DAYS, default 30) counts from the moment a month is
settled; `gateway revenue settle` and every `gateway worker` loop release what is due.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from gateway.apps.models import App
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.ledger import services as ledger
from gateway.ledger.services import Leg
from gateway.payments.models import Order
from gateway.revenue.models import Settlement
from gateway.revenue.tiers import schedule_for, split
from gateway.timeutil import utcnow

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of `month` (YYYY-MM) and of the next one; ValidationFailed if malformed."""
    match = MONTH.match(month or "")
    if not match:
        raise ValidationFailed({"month": [_l("Use the form YYYY-MM.")]})
    year, mon = int(match.group(1)), int(match.group(2))
    start = datetime(year, mon, 1)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def _hold() -> timedelta:
    return timedelta(days=int(current_app.config.get("ZC_SETTLEMENT_HOLD_DAYS", 30)))


def settle_app(app: App, month: str, start: datetime, end: datetime,
               now: datetime) -> Settlement | None:
    """Settle one app's month once; None when it was already settled or sold nothing."""
    if db.session.scalar(select(Settlement.id).where(Settlement.app_id == app.id,
                                                     Settlement.month == month)):
        return None
    orders = list(db.session.scalars(select(Order).where(
        Order.app_id == app.id, Order.status == "paid", Order.livemode.is_(True),
        Order.settlement_id.is_(None),
        Order.paid_at >= start, Order.paid_at < end).with_for_update()))
    gross = sum(o.money_amount for o in orders)
    if not orders or gross <= 0:
        return None
    tiers_from, bands = schedule_for(start.date())
    shares = split(gross, bands)
    settlement = Settlement(app_id=app.id, developer_id=app.developer_id, month=month,
                            currency=ledger.money_currency(), gross=gross,
                            developer_share=shares.developer, platform_share=shares.platform,
                            tiers_from=tiers_from, hold_until=now + _hold())
    db.session.add(settlement)
    db.session.flush()
    legs: list[Leg] = [(ledger.developer(app.developer_id, "unsettled"), -gross),
                       (ledger.developer(app.developer_id, "pending"), shares.developer),
                       (ledger.platform("revenue"), shares.platform)]
    ledger.post(f"settle:{app.id}:{month}", "settlement", legs,
                memo=f"{app.name} {month}", details={"settlement_id": settlement.id})
    for order in orders:
        order.settlement_id = settlement.id
    db.session.flush()
    return settlement


def settle_month(month: str, now: datetime | None = None) -> list[Settlement]:
    """Settle every app's paid orders of a finished month; safe to run again."""
    now = now or utcnow()
    start, end = month_bounds(month)
    if end > now:
        raise ValidationFailed({"month": [_l("Only a month that has ended can be settled.")]})
    app_ids = db.session.scalars(select(Order.app_id).distinct().where(
        Order.status == "paid", Order.livemode.is_(True), Order.settlement_id.is_(None),
        Order.paid_at >= start, Order.paid_at < end))
    done = []
    for app_id in sorted(app_ids):
        app = db.session.get(App, app_id)
        if app is not None and (settlement := settle_app(app, month, start, end, now)):
            done.append(settlement)
    return done


def unsettled_months(before: datetime) -> list[str]:
    """Months (YYYY-MM, oldest first) with paid live orders before `before` not yet settled."""
    month = func.substr(func.cast(Order.paid_at, db.String), 1, 7)
    rows = db.session.scalars(select(month).distinct().where(
        Order.status == "paid", Order.livemode.is_(True), Order.settlement_id.is_(None),
        Order.paid_at < before))
    return sorted(rows)


def release_due(now: datetime | None = None) -> list[Settlement]:
    """Move held settlements whose hold has ended from pending to available."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Settlement).where(
        Settlement.released_at.is_(None), Settlement.hold_until <= now)
        .order_by(Settlement.id).with_for_update()))
    for settlement in due:
        amount = settlement.developer_share - settlement.refunded_developer
        legs: list[Leg] = [(ledger.developer(settlement.developer_id, "pending"), -amount),
                           (ledger.developer(settlement.developer_id, "available"), amount)]
        ledger.post(f"release:{settlement.id}", "release", legs,
                    memo=f"Released {settlement.month}", details={"settlement_id": settlement.id})
        settlement.released_at = now
    db.session.flush()
    return due


def refund_legs(order: Order, app: App) -> list[Leg]:
    """Legs refunding a settled order: coins back, platform and developer parts taken back.

    The developer part is the order's proportional share of its settlement; it comes out of
    pending while the settlement is held, else out of available, and any shortfall (already
    paid out) becomes a receivable.
    """
    settlement = db.session.scalar(select(Settlement).where(
        Settlement.id == order.settlement_id).with_for_update())
    assert settlement is not None
    dev_part = order.money_amount * settlement.developer_share // settlement.gross
    legs = ledger.coin_legs(order.amount, ledger.platform("revenue"), order.user_id)
    legs[-1] = (legs[-1][0], -(order.money_amount - dev_part))
    settlement.refunded_gross += order.money_amount
    if settlement.released_at is None:
        settlement.refunded_developer += dev_part
        return legs + [(ledger.developer(app.developer_id, "pending"), -dev_part)]
    available = ledger.developer(app.developer_id, "available")
    from_available = min(dev_part, max(ledger.balance(available), 0))
    receivable = ledger.developer(app.developer_id, "receivable")
    return legs + [(available, -from_available), (receivable, -(dev_part - from_available))]


def monthly_totals(developer_id: int) -> list[dict[str, int | str]]:
    """Per app and month: gross, refunds, platform share, developer net (settled months)."""
    rows = db.session.execute(select(Settlement, App.name).join(App, App.id == Settlement.app_id)
                              .where(Settlement.developer_id == developer_id)
                              .order_by(Settlement.month.desc(), App.name)).all()
    return [{"month": s.month, "app": name, "gross": s.gross, "refunds": s.refunded_gross,
             "platform": s.platform_share, "developer": s.developer_share - s.refunded_developer,
             "status": "available" if s.released_at else "pending"} for s, name in rows]


def unsettled_by_month(developer_id: int) -> list[tuple[str, int]]:
    """Paid, not yet settled sales of the developer's apps, by month."""
    month = func.substr(func.cast(Order.paid_at, db.String), 1, 7)
    rows = db.session.execute(select(month, func.sum(Order.money_amount))
                              .join(App, App.id == Order.app_id)
                              .where(App.developer_id == developer_id, Order.status == "paid",
                                     Order.livemode.is_(True), Order.settlement_id.is_(None))
                              .group_by(month).order_by(month.desc())).all()
    return [(m, int(t)) for m, t in rows]



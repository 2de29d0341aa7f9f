"""A developer's revenue as the portal's revenue page shows it, read without writing: balances,
unsettled sales by month, settled monthly statements and payouts (for the management API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.apps.models import App
from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.models import LedgerAccount
from gateway.revenue.models import Payout, Settlement
from gateway.revenue.settlement import month_bounds, unsettled_by_month
from gateway.timeutil import isoformat

BALANCES = ("unsettled", "pending", "available", "receivable")


def balances(developer_id: int) -> dict[str, int]:
    """The developer's money buckets in minor units (0 for a bucket never used)."""
    rows = dict(db.session.execute(select(LedgerAccount.kind, LedgerAccount.balance).where(
        LedgerAccount.owner_type == "developer", LedgerAccount.owner_id == developer_id,
        LedgerAccount.currency == ledger.money_currency())).all())
    return {kind: int(rows.get(kind, 0)) for kind in BALANCES}


def summary(developer_id: int) -> dict[str, Any]:
    """Balances and the paid, not yet settled sales by month (live orders only)."""
    return {"currency": ledger.money_currency(), "balances": balances(developer_id),
            "unsettled": [{"month": m, "gross": g} for m, g in unsettled_by_month(developer_id)]}


def statements(developer_id: int, *, from_month: str | None = None,
               to_month: str | None = None, app_id: int | None = None) -> list[dict[str, Any]]:
    """Settled months per app, newest first, optionally within [from_month, to_month] (YYYY-MM,
    checked) and for one app: gross, refunds, platform share, the developer's net, status."""
    stmt = (select(Settlement, App.appid, App.name).join(App, App.id == Settlement.app_id)
            .where(Settlement.developer_id == developer_id)
            .order_by(Settlement.month.desc(), App.name))
    if from_month is not None:
        month_bounds(from_month)
        stmt = stmt.where(Settlement.month >= from_month)
    if to_month is not None:
        month_bounds(to_month)
        stmt = stmt.where(Settlement.month <= to_month)
    if app_id is not None:
        stmt = stmt.where(Settlement.app_id == app_id)
    return [{"month": s.month, "appid": appid, "app": name, "currency": s.currency,
             "gross": s.gross, "refunds": s.refunded_gross, "platform_share": s.platform_share,
             "net": s.developer_share - s.refunded_developer,
             "status": "available" if s.released_at else "pending",
             "tiers_from": s.tiers_from.isoformat(), "hold_until": isoformat(s.hold_until),
             "released_at": isoformat(s.released_at)}
            for s, appid, name in db.session.execute(stmt)]


def payouts(developer_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The developer's latest payouts."""
    rows = db.session.scalars(select(Payout).where(Payout.developer_id == developer_id)
                              .order_by(Payout.id.desc()).limit(limit))
    return [{"id": p.id, "amount": p.amount, "currency": p.currency, "status": p.status,
             "created_at": isoformat(p.created_at), "finished_at": isoformat(p.finished_at)}
            for p in rows]

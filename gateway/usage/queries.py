"""Reading usage: daily series per app (or platform-wide) for charts, tables and CSV."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from gateway.authorizations.models import Authorization
from gateway.extensions import db
from gateway.i18n import N_
from gateway.usage.models import ActiveUserDaily, ApiCallDaily, ShareDaily

MAU_WINDOW_DAYS = 30
SHARE_LINES = {"api": N_("via api"), "button": N_("via button")}


@dataclass
class Series:
    """Named lines over the same days: `lines[name][i]` is the value on `days[i]`."""

    key: str
    title: str  # English; pages, charts and CSV show it and the line names translated (`_()`)
    days: list[date]
    lines: dict[str, list[int]] = field(default_factory=dict)

    def rows(self) -> list[list[object]]:
        """Table rows: the day, then each line's value."""
        return [[d.isoformat(), *(v[i] for v in self.lines.values())]
                for i, d in enumerate(self.days)]

    @property
    def total(self) -> dict[str, int]:
        return {name: sum(values) for name, values in self.lines.items()}


def days_between(start: date, end: date) -> list[date]:
    """Every day from start to end inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _fill(days: list[date], counts: dict[date, int]) -> list[int]:
    return [int(counts.get(d, 0)) for d in days]


def new_authorizations(app_id: int | None, start: date, end: date) -> Series:
    """Authorizations first granted per day (derived from Authorization.created_at)."""
    days = days_between(start, end)
    query = select(Authorization.created_at).where(
        Authorization.created_at >= datetime.combine(start, datetime.min.time()),
        Authorization.created_at < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    if app_id is not None:
        query = query.where(Authorization.app_id == app_id)
    counts: dict[date, int] = defaultdict(int)
    for created_at in db.session.scalars(query):
        counts[created_at.date()] += 1
    return Series("authorizations", N_("New authorizations"), days,
                  {N_("new authorizations"): _fill(days, counts)})


def active_users(app_id: int, start: date, end: date) -> Series:
    """DAU per day and MAU (distinct users over the 30 days ending that day)."""
    days = days_between(start, end)
    window_start = start - timedelta(days=MAU_WINDOW_DAYS - 1)
    rows = db.session.execute(select(ActiveUserDaily.day, ActiveUserDaily.user_id).where(
        ActiveUserDaily.app_id == app_id, ActiveUserDaily.day >= window_start,
        ActiveUserDaily.day <= end)).all()
    by_day: dict[date, set[int]] = defaultdict(set)
    for day, user_id in rows:
        by_day[day].add(user_id)
    dau = [len(by_day.get(d, ())) for d in days]
    mau = []
    for d in days:
        seen: set[int] = set()
        for back in range(MAU_WINDOW_DAYS):
            seen |= by_day.get(d - timedelta(days=back), set())
        mau.append(len(seen))
    return Series("active_users", N_("Active users"), days,
                  {N_("DAU"): dau, N_("MAU (30 days)"): mau})


def _call_counts(app_id: int | None, start: date, end: date,
                 column: str) -> dict[str, dict[date, int]]:
    col = getattr(ApiCallDaily, column)
    query = select(ApiCallDaily.api, ApiCallDaily.day, func.sum(col)).where(
        ApiCallDaily.day >= start, ApiCallDaily.day <= end).group_by(
        ApiCallDaily.api, ApiCallDaily.day)
    if app_id is not None:
        query = query.where(ApiCallDaily.app_id == app_id)
    found: dict[str, dict[date, int]] = defaultdict(dict)
    for api, day, total in db.session.execute(query):
        found[api][day] = int(total or 0)
    return found


def api_calls(app_id: int | None, start: date, end: date) -> Series:
    """Successful calls per API per day."""
    days = days_between(start, end)
    found = _call_counts(app_id, start, end, "ok_count")
    return Series("calls", N_("API calls"), days,
                  {api: _fill(days, found[api]) for api in sorted(found)})


def api_errors(app_id: int | None, start: date, end: date) -> Series:
    """Failed calls per API per day."""
    days = days_between(start, end)
    found = _call_counts(app_id, start, end, "error_count")
    return Series("errors", N_("API errors"), days,
                  {api: _fill(days, found[api]) for api in sorted(found)})


def shares(app_id: int, start: date, end: date) -> Series:
    """Shares per day, by source (API or share button)."""
    days = days_between(start, end)
    found: dict[str, dict[date, int]] = {"api": {}, "button": {}}
    query = select(ShareDaily.source, ShareDaily.day, func.sum(ShareDaily.count)).where(
        ShareDaily.app_id == app_id, ShareDaily.day >= start, ShareDaily.day <= end).group_by(
        ShareDaily.source, ShareDaily.day)
    for source, day, total in db.session.execute(query):
        found.setdefault(source, {})[day] = int(total or 0)
    return Series("shares", N_("Shares"), days,
                  {SHARE_LINES.get(source, f"via {source}"): _fill(days, counts)
                   for source, counts in found.items()})


APP_SERIES = ("authorizations", "active_users", "calls", "errors", "shares")


def app_series(name: str, app_id: int, start: date, end: date) -> Series:
    """One named series of an app (names in APP_SERIES)."""
    builders = {"authorizations": new_authorizations, "active_users": active_users,
                "calls": api_calls, "errors": api_errors, "shares": shares}
    return builders[name](app_id, start, end)


def platform_calls(start: date, end: date) -> Series:
    """API calls per day over the whole platform (successes and errors)."""
    days = days_between(start, end)
    query = select(ApiCallDaily.day, func.sum(ApiCallDaily.ok_count),
                   func.sum(ApiCallDaily.error_count)).where(
        ApiCallDaily.day >= start, ApiCallDaily.day <= end).group_by(ApiCallDaily.day)
    ok: dict[date, int] = {}
    err: dict[date, int] = {}
    for day, ok_total, err_total in db.session.execute(query):
        ok[day], err[day] = int(ok_total or 0), int(err_total or 0)
    return Series("platform_calls", N_("API calls (platform)"), days,
                  {N_("ok"): _fill(days, ok), N_("errors"): _fill(days, err)})

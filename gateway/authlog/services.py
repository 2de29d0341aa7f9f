"""Reading an app's auth events (portal, CSV, management API) and purging old ones."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from gateway.authlog.models import KINDS, OUTCOMES, AuthEvent
from gateway.extensions import db
from gateway.timeutil import isoformat, utcnow

MAX_PAGE = 500
CSV_LIMIT = 100_000
CSV_COLUMNS = ("id", "occurred_at", "kind", "outcome", "reason", "ret", "description",
               "grant_type", "openid", "client_ip", "user_agent")


@dataclass(frozen=True)
class EventFilter:
    """What the developer narrows the log to; every field optional."""

    kind: str | None = None
    outcome: str | None = None
    reason: str | None = None
    openid: str | None = None
    days: int | None = None
    before_id: int | None = None


def retention_days() -> int:
    """How long events are kept and shown (ZC_AUTHLOG_RETENTION_DAYS)."""
    return max(int(current_app.config.get("ZC_AUTHLOG_RETENTION_DAYS", 30)), 1)


def _query(app_id: int, f: EventFilter):  # type: ignore[no-untyped-def]
    days = min(f.days or retention_days(), retention_days())
    query = select(AuthEvent).where(AuthEvent.app_id == app_id,
                                    AuthEvent.occurred_at >= utcnow() - timedelta(days=days))
    if f.kind in KINDS:
        query = query.where(AuthEvent.kind == f.kind)
    if f.outcome in OUTCOMES:
        query = query.where(AuthEvent.outcome == f.outcome)
    if f.reason:
        query = query.where(AuthEvent.reason == f.reason[:64])
    if f.openid:
        query = query.where(AuthEvent.openid == f.openid[:32])
    if f.before_id:
        query = query.where(AuthEvent.id < f.before_id)
    return query.order_by(AuthEvent.id.desc())


def events_for_app(app_id: int, f: EventFilter, limit: int = 100) -> list[AuthEvent]:
    """The app's newest events matching the filter (at most MAX_PAGE), newest first."""
    return list(db.session.scalars(_query(app_id, f).limit(max(1, min(limit, MAX_PAGE)))))


def reasons_for_app(app_id: int) -> list[str]:
    """The distinct reasons of the app's kept events, for the portal's filter."""
    since = utcnow() - timedelta(days=retention_days())
    return sorted(db.session.scalars(select(AuthEvent.reason).distinct().where(
        AuthEvent.app_id == app_id, AuthEvent.occurred_at >= since)))


def event_json(event: AuthEvent) -> dict[str, object]:
    """One event as the management API shows it."""
    return {"id": event.id, "occurred_at": isoformat(event.occurred_at), "kind": event.kind,
            "outcome": event.outcome, "reason": event.reason, "ret": event.ret,
            "description": event.description, "grant_type": event.grant_type or None,
            "openid": event.openid, "client_ip": event.client_ip,
            "user_agent": event.user_agent}


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(app_id: int, f: EventFilter) -> Iterable[str]:
    """The filtered log as CSV, streamed in pages, header first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield out.getvalue()
    before, sent = f.before_id, 0
    while sent < CSV_LIMIT:
        page = events_for_app(app_id, EventFilter(**{**f.__dict__, "before_id": before}),
                              MAX_PAGE)
        if not page:
            return
        out.seek(0)
        out.truncate()
        for event in page:
            data = event_json(event)
            writer.writerow([_cell(data[c]) for c in CSV_COLUMNS])
        yield out.getvalue()
        sent += len(page)
        before = page[-1].id


def purge(batch_size: int = 5000) -> int:
    """Delete events older than the retention period; returns how many went."""
    cutoff = utcnow() - timedelta(days=retention_days())
    total = 0
    while True:
        ids = list(db.session.scalars(select(AuthEvent.id).where(
            AuthEvent.occurred_at < cutoff).limit(batch_size)))
        if not ids:
            return total
        db.session.execute(delete(AuthEvent).where(AuthEvent.id.in_(ids)))
        db.session.flush()
        total += len(ids)

"""Bulk upserts of usage counts: INSERT ... ON CONFLICT DO UPDATE that adds to the counters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from gateway.extensions import db
from gateway.usage.models import ActiveUserDaily, ApiCallDaily, ShareDaily


def _insert(table: Table) -> Any:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"usage upserts support PostgreSQL and SQLite, not {dialect}")


def _call_rows(calls: Mapping[tuple[int, date, str, bool], int]) -> list[dict[str, Any]]:
    merged: dict[tuple[int, date, str], dict[str, Any]] = {}
    for (app_id, day, api, ok), count in calls.items():
        row = merged.setdefault((app_id, day, api), {"app_id": app_id, "day": day, "api": api,
                                                     "ok_count": 0, "error_count": 0})
        row["ok_count" if ok else "error_count"] += count
    return list(merged.values())


def write(calls: Mapping[tuple[int, date, str, bool], int],
          users: Iterable[tuple[int, date, int]],
          shares: Mapping[tuple[int, date, str, str], int]) -> int:
    """Add the counts to the tables in one transaction of its own; returns rows upserted."""
    call_rows = _call_rows(calls)
    user_rows = [{"app_id": a, "day": d, "user_id": u} for a, d, u in sorted(set(users))]
    share_rows = [{"app_id": a, "day": d, "source": s, "site": site, "count": n}
                  for (a, d, s, site), n in shares.items()]
    # Sorted keys: concurrent flushes lock rows in the same order and cannot deadlock.
    call_rows.sort(key=lambda r: (r["app_id"], r["day"], r["api"]))
    share_rows.sort(key=lambda r: (r["app_id"], r["day"], r["source"], r["site"]))
    with db.engine.begin() as conn:
        if call_rows:
            table = ApiCallDaily.__table__
            stmt = _insert(table)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["app_id", "day", "api"],
                set_={"ok_count": table.c.ok_count + stmt.excluded.ok_count,
                      "error_count": table.c.error_count + stmt.excluded.error_count}),
                call_rows)
        if user_rows:
            stmt = _insert(ActiveUserDaily.__table__)
            conn.execute(stmt.on_conflict_do_nothing(
                index_elements=["app_id", "day", "user_id"]), user_rows)
        if share_rows:
            table = ShareDaily.__table__
            stmt = _insert(table)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["app_id", "day", "source", "site"],
                set_={"count": table.c.count + stmt.excluded.count}), share_rows)
    return len(call_rows) + len(user_rows) + len(share_rows)

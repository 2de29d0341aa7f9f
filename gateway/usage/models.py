"""Daily usage counters. No foreign keys: counters are written off the request path in bulk,
and statistics outlive nothing they describe (an app's rows go when its id is never reused)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db

SHARE_SOURCES = ("api", "button")


class ApiCallDaily(db.Model):
    """Calls of one API by one app on one day, split into successes and errors."""

    __tablename__ = "usage_api_calls"

    app_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    api: Mapped[str] = mapped_column(String(64), primary_key=True)
    ok_count: Mapped[int] = mapped_column(BigInteger, default=0)
    error_count: Mapped[int] = mapped_column(BigInteger, default=0)


class ActiveUserDaily(db.Model):
    """One row per (app, day, user) that made at least one call: DAU and MAU are counts of these."""

    __tablename__ = "usage_active_users"

    app_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class ShareDaily(db.Model):
    """Shares per app (0: a share button with no app) per site per day per source."""

    __tablename__ = "usage_shares"

    app_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    source: Mapped[str] = mapped_column(String(8), primary_key=True)
    # "" when unknown: part of the key, so never NULL (NULLs never conflict in ON CONFLICT).
    site: Mapped[str] = mapped_column(String(255), primary_key=True, default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0)

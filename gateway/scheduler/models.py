"""Completed runs of the jobs that happen once per period (a month's settlement, its payouts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow


class JobRun(db.Model):
    """One job done for one period: the unique row is what keeps a month from running twice."""

    __tablename__ = "scheduled_job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))  # YYYY-MM
    items: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)

"""The scheduled jobs. Each is idempotent and returns how many things it did.

Monthly jobs take the period (YYYY-MM) they are for; the runner records a finished period in
`scheduled_job_runs`, so a month is settled (and its payouts run) once, while a failed attempt
is tried again at the next tick.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from gateway.extensions import db
from gateway.scheduler.models import JobRun

log = logging.getLogger(__name__)


def month_of(moment: datetime) -> str:
    """YYYY-MM of a datetime."""
    return f"{moment.year:04d}-{moment.month:02d}"


def previous_month(moment: datetime) -> str:
    """The month before the one `moment` falls in."""
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def done(job: str, period: str) -> bool:
    """Whether `job` finished for `period`."""
    return db.session.scalar(select(JobRun.id).where(JobRun.job == job,
                                                     JobRun.period == period)) is not None


def record(job: str, period: str, items: int) -> None:
    """Mark `job` finished for `period` (flush; the runner commits)."""
    db.session.add(JobRun(job=job, period=period, items=items))
    db.session.flush()


def settle_ended_months(now: datetime) -> tuple[str | None, int]:
    """Settle every ended month not settled yet, oldest first; returns (latest month, settlements).

    The month that just ended is always due; an earlier one is due while it still has unsettled
    paid orders and no recorded run (a worker outage, say). A month already recorded is never
    settled again, even if a late order turns up in it. Earlier months are recorded here, the
    latest by the runner, all in one commit.
    """
    from gateway.revenue.settlement import settle_month, unsettled_months

    start = datetime(now.year, now.month, 1)
    months = sorted({*unsettled_months(before=start), previous_month(now)})
    due = [month for month in months if not done("settle", month)]
    if not due:
        return None, 0
    for month in due[:-1]:
        items = len(settle_month(month, now=now))
        record("settle", month, items)
        log.info("scheduled job settle: %s item(s) for %s (catching up)", items, month,
                 extra={"job": "settle", "period": month, "items": items})
    return due[-1], len(settle_month(due[-1], now=now))


def payouts_due(now: datetime) -> tuple[str | None, int]:
    """On or after ZC_PAYOUT_DAY, once a month after that month's settlement: pay developers."""
    from gateway.revenue.payouts import run_payouts

    month = month_of(now)
    day = int(current_app.config["ZC_PAYOUT_DAY"])
    if now.day < day or done("payouts", month) or not done("settle", previous_month(now)):
        return None, 0
    return month, len(run_payouts())  # PayoutsRunning: an operator's run is at it; next tick


def release_holds(now: datetime) -> int:
    """Make settlements whose hold ended available to pay out."""
    from gateway.revenue.settlement import release_due

    return len(release_due(now))


def purge_tokens(now: datetime) -> int:
    """Delete expired codes and dead tokens (the OAuth package's own purge)."""
    from gateway.oauth import tokens

    return tokens.purge(int(current_app.config["ZC_PURGE_BATCH_SIZE"]))


def flush_auth_events(now: datetime) -> int:
    """Write this process's buffered auth events to their table."""
    from gateway.authlog.recorder import flush

    return flush()


def purge_auth_events(now: datetime) -> int:
    """Delete auth events older than ZC_AUTHLOG_RETENTION_DAYS."""
    from gateway.authlog.services import purge

    return purge(int(current_app.config["ZC_PURGE_BATCH_SIZE"]))


def flush_usage(now: datetime) -> int:
    """Write the buffered usage counts (Redis or this process) to the tables."""
    from gateway.usage.recorder import flush

    return flush()


def build_exports(now: datetime) -> int:
    """Build the data exports people asked for (gateway/privacy/exports.py)."""
    from gateway.privacy.exports import build_due

    return build_due(now)


def purge_exports(now: datetime) -> int:
    """Remove data exports whose link expired."""
    from gateway.privacy.exports import purge_expired

    return purge_expired(now)


def erase_accounts(now: datetime) -> int:
    """Erase the accounts whose deletion grace period ended (gateway/privacy/erasure.py)."""
    from gateway.privacy.erasure import run_due

    return run_due(now)

"""The scheduled jobs. Each is idempotent and returns how many things it did.

Monthly jobs take the period (YYYY-MM) they are for; the runner records a finished period in
`scheduled_job_runs`, so a month is settled (and its payouts run) once, while a failed attempt
is tried again at the next tick.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from gateway.extensions import db
from gateway.scheduler.models import JobRun


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


def settle_ended_month(now: datetime) -> tuple[str | None, int]:
    """Settle the month that ended last (once); returns (month, settlements made)."""
    from gateway.revenue.settlement import settle_month

    month = previous_month(now)
    if done("settle", month):
        return None, 0
    return month, len(settle_month(month, now=now))


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

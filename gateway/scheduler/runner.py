"""The worker's schedule: which job runs how often, under its advisory lock, logged and counted.

A job that fails is rolled back, logged and counted, and tried again at its next tick; a monthly
job's period is recorded in the same commit as its work, so it never runs twice for one month.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from prometheus_client import Counter
from sqlalchemy.exc import IntegrityError

from gateway.extensions import db
from gateway.scheduler import jobs
from gateway.scheduler.locks import advisory_lock
from gateway.timeutil import utcnow

log = logging.getLogger(__name__)
RUNS = Counter("zc_job_runs_total", "Scheduled job runs, by job and outcome.", ["job", "outcome"])
ITEMS = Counter("zc_job_items_total", "Things scheduled jobs did (rows, settlements...).", ["job"])


@dataclass(frozen=True)
class Job:
    """A job, the setting holding its interval (seconds), and whether it runs per month."""

    name: str
    run: Callable[[datetime], Any]
    interval_setting: str
    monthly: bool = False


SCHEDULE = (
    Job("settle", jobs.settle_ended_months, "ZC_SCHEDULE_INTERVAL", monthly=True),
    Job("release", jobs.release_holds, "ZC_SCHEDULE_INTERVAL"),
    Job("payouts", jobs.payouts_due, "ZC_SCHEDULE_INTERVAL", monthly=True),
    Job("purge", jobs.purge_tokens, "ZC_PURGE_INTERVAL"),
    Job("usage_flush", jobs.flush_usage, "ZC_USAGE_FLUSH_SECONDS"),
    Job("authlog_flush", jobs.flush_auth_events, "ZC_AUTHLOG_FLUSH_SECONDS"),
    Job("authlog_purge", jobs.purge_auth_events, "ZC_PURGE_INTERVAL"),
    Job("exports", jobs.build_exports, "ZC_SCHEDULE_INTERVAL"),
    Job("export_purge", jobs.purge_exports, "ZC_PURGE_INTERVAL"),
    Job("erasure", jobs.erase_accounts, "ZC_SCHEDULE_INTERVAL"),
)


def run_job(job: Job, now: datetime | None = None) -> dict[str, Any]:
    """Run one job once under its lock; returns what happened (outcome, period, items)."""
    now = now or utcnow()
    with advisory_lock(job.name) as held:
        if not held:
            return _outcome(job, "busy")
        try:
            period, items = job.run(now) if job.monthly else (None, job.run(now))
            if job.monthly and period is None:
                db.session.commit()
                return _outcome(job, "idle")
            if period is not None:
                jobs.record(job.name, period, items)
            db.session.commit()
        except IntegrityError:  # another worker recorded this period first (SQLite)
            db.session.rollback()
            return _outcome(job, "busy")
        except Exception as exc:
            db.session.rollback()
            if type(exc).__name__ == "PayoutsRunning":  # an operator's `payouts run` holds it
                return _outcome(job, "busy")
            log.exception("scheduled job %s failed; retried at its next tick", job.name)
            return _outcome(job, "failed")
    return _outcome(job, "ok", period, items)


def _outcome(job: Job, outcome: str, period: str | None = None, items: int = 0) -> dict[str, Any]:
    RUNS.labels(job.name, outcome).inc()
    if outcome == "ok":
        ITEMS.labels(job.name).inc(items)
        log.info("scheduled job %s: %s item(s)%s", job.name, items,
                 f" for {period}" if period else "",
                 extra={"job": job.name, "period": period, "items": items})
    return {"job": job.name, "outcome": outcome, "period": period, "items": items}


class Scheduler:
    """Runs each job when its interval has passed (every job at the first tick)."""

    def __init__(self, schedule: tuple[Job, ...] = SCHEDULE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.schedule, self.clock = schedule, clock
        self.next_at = {job.name: 0.0 for job in schedule}

    def tick(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Run the jobs that are due; returns their outcomes."""
        results = []
        for job in self.schedule:
            if self.clock() < self.next_at[job.name]:
                continue
            results.append(run_job(job, now))
            interval = float(current_app.config[job.interval_setting])
            self.next_at[job.name] = self.clock() + interval
        return results


class _Stop:
    """SIGTERM and SIGINT end the loop after the current delivery or job."""

    def __init__(self) -> None:
        self.requested = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._request)

    def _request(self, _signum: int, _frame: Any) -> None:
        self.requested = True


def run_forever(idle_seconds: float = 2.0) -> None:
    """Drain the outbox and the mail queue, and run the schedule until SIGTERM."""
    from gateway.mail import worker as mail_worker
    from gateway.outbox.worker import run_once

    scheduler, stop = Scheduler(), _Stop()
    heartbeat = current_app.config.get("ZC_WORKER_HEARTBEAT")
    log.info("worker started")
    while not stop.requested:
        worked = run_once() + mail_worker.run_once()
        scheduler.tick()
        if heartbeat:
            Path(heartbeat).touch()
        deadline = time.monotonic() + (0 if worked else idle_seconds)
        while not stop.requested and time.monotonic() < deadline:
            time.sleep(0.1)
    log.info("worker stopped")

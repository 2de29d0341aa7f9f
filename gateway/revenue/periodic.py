"""Money jobs the worker runs on every loop."""

from __future__ import annotations

import logging

from gateway.extensions import db
from gateway.revenue.settlement import release_due

log = logging.getLogger(__name__)


def run_periodic() -> None:
    """Release settlements whose hold has ended; commit."""
    try:
        release_due()
        db.session.commit()
    except Exception:  # the worker keeps running; the next loop retries
        db.session.rollback()
        log.exception("periodic money jobs failed")

"""Leasing due rows of a queue table to one worker (the webhook outbox and the mail queue).

A queue model has `id`, `status`, `next_attempt_at`, `lease_until` and `lease_owner`. Workers
on several machines may claim at once: PostgreSQL skips rows another worker has locked, and on
every database the conditional UPDATE is the lease, so only one worker's claim of a row succeeds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from gateway.extensions import db
from gateway.timeutil import utcnow


def claim_due(model: Any, limit: int, owner: str) -> list[int]:
    """Lease up to `limit` due pending rows of `model` to `owner` and commit the lease."""
    now = utcnow()
    lease = timedelta(seconds=int(current_app.config.get("ZC_OUTBOX_LEASE_SECONDS", 60)))
    free = or_(model.lease_until.is_(None), model.lease_until < now)
    due = (select(model.id).where(model.status == "pending", model.next_attempt_at <= now, free)
           .order_by(model.next_attempt_at).limit(limit)
           .with_for_update(skip_locked=True))
    claimed = []
    for row_id in db.session.scalars(due).all():
        done = db.session.execute(update(model).where(model.id == row_id, free)
                                  .values(lease_until=now + lease, lease_owner=owner))
        if done.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(row_id)
    db.session.commit()
    return claimed

"""Recording and reading audit events."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import select

from gateway.audit.models import AuditEvent
from gateway.extensions import db


def _text(value: str) -> str:
    """Request-supplied text as PostgreSQL can store it (it refuses NUL characters)."""
    return value.replace("\x00", "")


def record(action: str, *, actor_id: int | None = None, subject_type: str | None = None,
           subject_id: str | int | None = None, **details: Any) -> AuditEvent:
    """Add an audit event for the current request (flushed with the request's commit)."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=None if subject_id is None else _text(str(subject_id)),
        details=details,
    )
    if has_request_context():
        event.ip_address = (request.remote_addr or "")[:64] or None
        event.user_agent = _text(request.user_agent.string or "")[:256] or None
        event.request_id = g.get("request_id")
    db.session.add(event)
    return event


def recent(*, action: str | None = None, actor_id: int | None = None,
           limit: int = 100) -> list[AuditEvent]:
    """The newest audit events, optionally filtered by action and actor."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    return list(db.session.scalars(query))

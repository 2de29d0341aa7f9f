"""Time helpers: every stored timestamp is a naive UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime (the storage convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(value: datetime | None) -> str | None:
    """Render a stored naive UTC datetime as an ISO 8601 string with a Z suffix."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"

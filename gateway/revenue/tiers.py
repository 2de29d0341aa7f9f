"""Revenue-share tiers: the schedule in force, editing it, and the marginal split.

Rounding rule: the developer's exact share is computed band by band in fractions of a minor
unit; the platform's share is `gross - exact developer share` rounded to the nearest minor unit
with a tie (exactly half) rounded DOWN; the developer gets the rest. Both are integers and
always add up to the gross.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.revenue.models import RevenueTier

FULL = 10_000  # basis points
# The defaults of the spec, in minor units of a currency with 100 minor units (¥0.01).
DEFAULT_FROM = date(2011, 1, 1)
DEFAULT_BANDS: tuple[tuple[int, int], ...] = ((0, 10_000), (100_000_00, 7_000),
                                              (1_000_000_00, 5_000))


@dataclass(frozen=True)
class Split:
    gross: int
    developer: int
    platform: int


def ensure_defaults() -> None:
    """Seed the default schedule when no tiers exist (in code, not in a migration)."""
    if db.session.scalar(select(RevenueTier.id).limit(1)) is None:
        db.session.add_all(RevenueTier(effective_from=DEFAULT_FROM, lower_bound=low, share_bp=bp)
                           for low, bp in DEFAULT_BANDS)
        db.session.flush()


def schedule_for(day: date) -> tuple[date, list[tuple[int, int]]]:
    """The schedule in force on `day`: its start and its (lower_bound, share_bp) bands."""
    ensure_defaults()
    start = db.session.scalar(select(RevenueTier.effective_from)
                              .where(RevenueTier.effective_from <= day)
                              .order_by(RevenueTier.effective_from.desc()).limit(1))
    if start is None:
        return DEFAULT_FROM, list(DEFAULT_BANDS)
    rows = db.session.scalars(select(RevenueTier).where(RevenueTier.effective_from == start)
                              .order_by(RevenueTier.lower_bound))
    return start, [(r.lower_bound, r.share_bp) for r in rows]


def split(gross: int, bands: list[tuple[int, int]]) -> Split:
    """Split `gross` marginally by the bands; shares always add up to `gross` (see above)."""
    if gross <= 0:
        return Split(gross, gross, 0)
    developer_numerator = 0  # in 1/FULL of a minor unit
    for i, (low, share) in enumerate(bands):
        high = bands[i + 1][0] if i + 1 < len(bands) else None
        inside = max(0, (gross if high is None else min(gross, high)) - low)
        developer_numerator += inside * share
    platform_numerator = gross * FULL - developer_numerator
    platform = (platform_numerator + (FULL - 1) // 2) // FULL  # nearest; a tie goes down
    return Split(gross, gross - platform, platform)


def validate(bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Bands starting at 0, strictly ascending, shares 0-100%; else ValidationFailed."""
    problems = []
    if not bands or bands[0][0] != 0:
        problems.append("The first band must start at 0.")
    if any(b[0] <= a[0] for a, b in zip(bands, bands[1:], strict=False)):
        problems.append("Band lower bounds must be strictly ascending.")
    if any(not 0 <= share <= FULL for _, share in bands):
        problems.append("Shares must be between 0% and 100%.")
    if problems:
        raise ValidationFailed({"bands": problems})
    return bands


def save_schedule(effective_from: date, bands: list[tuple[int, int]],
                  actor_id: int | None = None) -> None:
    """Replace the schedule starting on `effective_from` with these bands."""
    from sqlalchemy import delete

    validate(bands)
    ensure_defaults()
    # Tiers are configuration, not ledger rows: a schedule may be redefined before it is used.
    db.session.execute(delete(RevenueTier).where(RevenueTier.effective_from == effective_from))
    db.session.add_all(RevenueTier(effective_from=effective_from, lower_bound=low, share_bp=bp,
                                   created_by=actor_id) for low, bp in bands)
    db.session.flush()


def schedules() -> list[tuple[date, list[tuple[int, int]]]]:
    """Every schedule, newest first."""
    ensure_defaults()
    rows = db.session.scalars(select(RevenueTier).order_by(RevenueTier.effective_from.desc(),
                                                           RevenueTier.lower_bound))
    grouped: dict[date, list[tuple[int, int]]] = {}
    for r in rows:
        grouped.setdefault(r.effective_from, []).append((r.lower_bound, r.share_bp))
    return list(grouped.items())

"""The floor: `/healthz`, no database, no template; every other scenario is compared to it."""

from __future__ import annotations

from bench.scenarios import BenchContext, Request, Scenario


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request("/healthz")]


SCENARIO = Scenario(name="floor", requests=_requests)

"""REST `GET /api/v1/me` with a Bearer header."""

from __future__ import annotations

from bench.scenarios import BenchContext, Request, Scenario
from bench.seeding import open_quota


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            for token in ctx.tokens]


SCENARIO = Scenario(name="api_me", requests=_requests, needs_tokens=True, setup=open_quota)

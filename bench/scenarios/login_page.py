"""GET /login: session cookie, CSRF token and a rendered template."""

from __future__ import annotations

from bench.scenarios import BenchContext, Request, Scenario


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request("/login")]


SCENARIO = Scenario(name="login_page", requests=_requests)

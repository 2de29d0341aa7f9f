"""`POST /oauth2/token` grant_type=refresh_token: every request spends a fresh refresh token.

Tokens are pre-seeded (digests, COPY) and walked once each by a generated wrk script; a reused
one would be refused with 400 and counted as an error.
"""

from __future__ import annotations

import base64

from bench import walk
from bench.scenarios import BenchContext, Request, Scenario
from bench.seeding import refresh_tokens

PATH = "/oauth2/token"


def _headers(ctx: BenchContext) -> dict[str, str]:
    basic = base64.b64encode(f"{ctx.appid}:{ctx.appkey}".encode()).decode()
    return {"Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded"}


def _setup(ctx: BenchContext) -> None:
    bodies = [f"grant_type=refresh_token&refresh_token={raw}"
              for raw in refresh_tokens(ctx, walk.needed(ctx.extra))]
    ctx.extra["refresh_bodies"] = bodies
    walk.write_script("refresh", method="POST", path=PATH, headers=_headers(ctx), bodies=bodies,
                      threads=int(ctx.extra.get("wrk_threads", 2)))


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request(PATH, method="POST", headers=_headers(ctx), body=body)
            for body in ctx.extra["refresh_bodies"]]


SCENARIO = Scenario(name="refresh", requests=_requests, setup=_setup,
                    lua_file=walk.script_path("refresh"))

"""The code exchange that ends a login: `POST /oauth2/token` grant_type=authorization_code.

Codes are minted beforehand by the provider's own `issue_code` (one per request, each spent once
by a generated wrk script); a replayed code would be refused with 400 and counted as an error.
"""

from __future__ import annotations

from urllib.parse import quote

from bench import walk
from bench.scenarios import BenchContext, Request, Scenario
from bench.scenarios.refresh import PATH, _headers
from bench.seeding import REDIRECT_URI, authorization_codes


def _setup(ctx: BenchContext) -> None:
    redirect = quote(REDIRECT_URI, safe="")
    codes = authorization_codes(ctx, walk.needed(ctx.extra), REDIRECT_URI)
    bodies = [f"grant_type=authorization_code&code={code}&redirect_uri={redirect}"
              for code in codes]
    ctx.extra["code_bodies"] = bodies
    walk.write_script("code_exchange", method="POST", path=PATH, headers=_headers(ctx),
                      bodies=bodies, threads=int(ctx.extra.get("wrk_threads", 2)))


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request(PATH, method="POST", headers=_headers(ctx), body=body)
            for body in ctx.extra["code_bodies"]]


SCENARIO = Scenario(name="code_exchange", requests=_requests, setup=_setup,
                    lua_file=walk.script_path("code_exchange"))

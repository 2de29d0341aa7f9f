"""QQ `GET /user/get_user_info`: token check by digest, app facts, quota, profile.

Legacy errors are HTTP 200 (`{"ret":100013,...}`), which wrk would count as successes, so the
setup sends one request first and stops the run unless it answers `"ret":0`.
"""

from __future__ import annotations

import json
import urllib.request

from bench.loadgen import check_loopback
from bench.scenarios import BenchContext, Request, Scenario
from bench.seeding import open_quota, openids_of


def _setup(ctx: BenchContext) -> None:
    open_quota(ctx)
    first = _requests(ctx)[0]
    check_loopback(ctx.base_url)
    with urllib.request.urlopen(ctx.base_url + first.path, timeout=10) as response:  # noqa: S310
        body = json.loads(response.read().decode("utf-8"))
    if body.get("ret") != 0:
        raise SystemExit(f"bench: get_user_info answers {body}, not ret 0")


def _requests(ctx: BenchContext) -> list[Request]:
    openids = openids_of(ctx)
    return [Request(f"/user/get_user_info?access_token={token}&oauth_consumer_key={ctx.appid}"
                    f"&openid={openid}") for token, openid in openids.items()]


SCENARIO = Scenario(name="get_user_info", requests=_requests, needs_tokens=True, setup=_setup)

"""QQ `GET /user/get_user_info`: token check by digest, app facts, quota, profile."""

from __future__ import annotations

from bench.scenarios import BenchContext, Request, Scenario
from bench.seeding import open_quota, openids_of


def _setup(ctx: BenchContext) -> None:
    open_quota(ctx)
    openids_of(ctx)


def _requests(ctx: BenchContext) -> list[Request]:
    openids = openids_of(ctx)
    return [Request(f"/user/get_user_info?access_token={token}&oauth_consumer_key={ctx.appid}"
                    f"&openid={openid}") for token, openid in openids.items()]


SCENARIO = Scenario(name="get_user_info", requests=_requests, needs_tokens=True, setup=_setup)

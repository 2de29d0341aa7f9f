"""QQ `GET /user/get_user_info` where every request carries a token never sent before.

The platform keeps valid token checks in memory (gateway/oauth/token_cache.py), so the plain
`get_user_info` scenario, which cycles through a sample of tokens, mostly measures cache hits.
This one walks fresh tokens (each sent exactly once, like the refresh scenario's credentials),
so every request reads the token, the grant and the profile from PostgreSQL: the cost of a
client's first call with a new token, and of every call when the cache is off.
"""

from __future__ import annotations

from bench import walk
from bench.scenarios import BenchContext, Request, Scenario
from bench.seeding import access_tokens, open_quota

NAME = "get_user_info_cold"


def _path(ctx: BenchContext, token: str, openid: str) -> str:
    return (f"/user/get_user_info?access_token={token}&oauth_consumer_key={ctx.appid}"
            f"&openid={openid}")


def _setup(ctx: BenchContext) -> None:
    open_quota(ctx)
    paths = [_path(ctx, token, openid)
             for token, openid in access_tokens(ctx, walk.needed(ctx.extra))]
    ctx.extra["cold_paths"] = paths
    walk.write_script(NAME, method="GET", path="", headers={}, bodies=paths,
                      threads=int(ctx.extra.get("wrk_threads", 2)), vary="path")


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request(path) for path in ctx.extra["cold_paths"]]


SCENARIO = Scenario(name=NAME, requests=_requests, setup=_setup, lua_file=walk.script_path(NAME))

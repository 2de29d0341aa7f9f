"""RFC 6749 §4.4 `POST /oauth2/token` with grant_type=client_credentials (HTTP Basic)."""

from __future__ import annotations

import base64

from bench.scenarios import BenchContext, Request, Scenario


def _requests(ctx: BenchContext) -> list[Request]:
    basic = base64.b64encode(f"{ctx.appid}:{ctx.appkey}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}",
               "Content-Type": "application/x-www-form-urlencoded",
               # wrk sends no Host from a script; Koa (node-oidc-provider) refuses without one
               "Host": ctx.base_url.split("//", 1)[-1]}
    path = ctx.extra.get("token_path", "/oauth2/token")
    return [Request(path, method="POST", headers=headers,
                    body="grant_type=client_credentials")]


SCENARIO = Scenario(name="client_credentials", requests=_requests)

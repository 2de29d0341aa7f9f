"""RFC 7662 `POST /oauth2/introspect`: client authentication (HTTP Basic), then the token."""

from __future__ import annotations

import base64

from bench.scenarios import BenchContext, Request, Scenario


def _requests(ctx: BenchContext) -> list[Request]:
    basic = base64.b64encode(f"{ctx.appid}:{ctx.appkey}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}",
               "Content-Type": "application/x-www-form-urlencoded",
               # wrk sends no Host from a script; Koa (node-oidc-provider) refuses without one
               "Host": ctx.base_url.split("//", 1)[-1]}
    path = ctx.extra.get("introspect_path", "/oauth2/introspect")
    return [Request(path, method="POST", headers=headers,
                    body=f"token={token}&token_type_hint=access_token") for token in ctx.tokens]


SCENARIO = Scenario(name="introspect", requests=_requests, needs_tokens=True)

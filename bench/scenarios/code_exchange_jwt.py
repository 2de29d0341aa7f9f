"""The code exchange for an app that chose JWT access tokens (RFC 9068): the same request as
`code_exchange`, for a second bench app whose access tokens are signed JWTs (ES256 or RS256 as
ZC_ACCESS_TOKEN_ALG says). Run both side by side to see what signing costs a login.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from bench import walk
from bench.scenarios import BenchContext, Request, Scenario
from bench.scenarios.refresh import PATH
from bench.seeding import REDIRECT_URI, bench_app


def _jwt_app(ctx: BenchContext) -> tuple[str, str]:
    """A live twin of the bench app issuing JWT access tokens (created once per run)."""
    if "jwt_app" not in ctx.extra:
        from gateway.apps import services as apps
        from gateway.apps.models import App
        from gateway.extensions import db

        with bench_app(ctx):
            main = db.session.get(App, ctx.app_row_id)
            assert main is not None
            from gateway.accounts.models import User

            owner = db.session.get(User, main.developer_id)
            row, appkey = apps.create_app(owner, name="Bench JWT app", live=True,
                                          redirect_uris=list(main.redirect_uris),
                                          scopes=sorted(main.granted_scopes()))
            row.access_token_format = "jwt"
            db.session.commit()
            ctx.extra["jwt_app"] = (row.id, row.appid or "", appkey)
    _, appid, appkey = ctx.extra["jwt_app"]
    return appid, appkey


def _headers(ctx: BenchContext) -> dict[str, str]:
    appid, appkey = _jwt_app(ctx)
    basic = base64.b64encode(f"{appid}:{appkey}".encode()).decode()
    return {"Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded"}


def _codes(ctx: BenchContext, count: int) -> list[str]:
    from gateway.apps.models import App
    from gateway.authorizations import services as authorizations
    from gateway.extensions import db
    from gateway.oauth import tokens

    _jwt_app(ctx)
    with bench_app(ctx):
        app = db.session.get(App, ctx.extra["jwt_app"][0])
        assert app is not None
        scopes = sorted(app.granted_scopes())
        for user_id in ctx.user_ids:
            authorizations.record_consent(user_id, app.id, scopes)
        codes = [tokens.issue_code(app, ctx.user_ids[n % len(ctx.user_ids)],
                                   redirect_uri=REDIRECT_URI, scopes=scopes)
                 for n in range(count)]
        db.session.commit()
    return codes


def _setup(ctx: BenchContext) -> None:
    redirect = quote(REDIRECT_URI, safe="")
    bodies = [f"grant_type=authorization_code&code={code}&redirect_uri={redirect}"
              for code in _codes(ctx, walk.needed(ctx.extra))]
    ctx.extra["code_jwt_bodies"] = bodies
    walk.write_script("code_exchange_jwt", method="POST", path=PATH, headers=_headers(ctx),
                      bodies=bodies, threads=int(ctx.extra.get("wrk_threads", 2)))


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request(PATH, method="POST", headers=_headers(ctx), body=body)
            for body in ctx.extra["code_jwt_bodies"]]


SCENARIO = Scenario(name="code_exchange_jwt", requests=_requests, setup=_setup,
                    lua_file=walk.script_path("code_exchange_jwt"))

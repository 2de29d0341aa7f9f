"""In-process micro-benchmark of the token-check hot paths (no gunicorn, no wrk).

    .venv/bin/python -m bench.micro [--database-url URL] [--calls 2000] [--profile get_user_info]

Builds the app on a scratch database (PostgreSQL `zc_bench_micro` on 127.0.0.1 by default, dropped
and recreated), seeds a user, a live app and tokens through the real services, then times each
endpoint through the WSGI app (Flask's test client) and prints microseconds per call. With
--profile NAME it prints a pyinstrument profile of that endpoint (pip install pyinstrument).
"""

from __future__ import annotations

import argparse
import base64
import secrets
import time
from collections.abc import Callable
from typing import Any

from bench import database
from bench.server import PRODUCTION_EXTRAS

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/zc_bench_micro"
REDIRECT = "https://bench.example/callback"


def _world(flask_app: Any, refresh_count: int) -> dict[str, Any]:
    """A user, a live app with every user scope, one access token and two sets of refresh tokens
    (one for the legacy GET, one for POST /oauth2/token)."""
    from gateway.accounts import services as accounts
    from gateway.apps.services import create_app
    from gateway.authorizations.services import record_consent
    from gateway.extensions import db
    from gateway.oauth import tokens

    with flask_app.app_context():
        developer = accounts.create_user("microdev", "micro-password-1")
        user = accounts.create_user("microuser", "micro-password-2")
        app, appkey = create_app(developer, name="Micro", redirect_uris=[REDIRECT],
                                 scopes=["add_share", "get_vip_info"], live=True)
        scopes = sorted(app.granted_scopes())
        record_consent(user.id, app.id, scopes)
        issued = tokens.issue_tokens(app, user.id, scopes, grant_type="authorization_code")
        refresh = [tokens.issue_tokens(app, user.id, scopes, grant_type="authorization_code")
                   .refresh_token for _ in range(refresh_count)]
        db.session.commit()
        rest = [tokens.issue_tokens(app, user.id, scopes, grant_type="authorization_code")
                .refresh_token for _ in range(refresh_count)]
        db.session.commit()
        # The code exchange for an opaque app and for a twin issuing JWT access tokens.
        jwt_app, jwt_key = create_app(developer, name="Micro JWT", redirect_uris=[REDIRECT],
                                      scopes=["add_share", "get_vip_info"], live=True)
        jwt_app.access_token_format = "jwt"
        record_consent(user.id, jwt_app.id, scopes)
        codes = {name: [tokens.issue_code(target, user.id, redirect_uri=REDIRECT, scopes=scopes)
                        for _ in range(refresh_count)]
                 for name, target in (("opaque", app), ("ES256", jwt_app), ("RS256", jwt_app))}
        db.session.commit()
        # A DPoP-bound token (RFC 9449) and one proof per call (each jti is accepted once).
        from joserfc.jwk import ECKey

        from bench.scenarios.api_me_dpop import proofs

        key = ECKey.generate_key("P-256")
        bound = tokens.issue_tokens(app, user.id, scopes, grant_type="authorization_code",
                                    jkt=key.thumbprint())
        db.session.commit()
        lines, _jkt = proofs([bound.access_token], "https://bench.invalid/api/v1/me",
                             refresh_count, key)
        return {"appid": app.appid, "appkey": appkey, "openid": issued.row.openid,
                "token": issued.access_token, "refresh": refresh, "refresh_rest": rest,
                "jwt_appid": jwt_app.appid, "jwt_appkey": jwt_key, "codes": codes,
                "dpop_token": bound.access_token, "dpop_proofs": [p.split(" ")[1] for p in lines]}


def _calls(w: dict[str, Any]) -> dict[str, Callable[[Any], Any]]:
    basic = "Basic " + base64.b64encode(f"{w['appid']}:{w['appkey']}".encode()).decode()
    legacy = (f"/user/get_user_info?access_token={w['token']}&oauth_consumer_key={w['appid']}"
              f"&openid={w['openid']}")
    bearer = {"Authorization": f"Bearer {w['token']}"}
    fresh = iter(w["refresh"])  # every refresh call spends a new token
    fresh_rest = iter(w["refresh_rest"])
    jwt_basic = "Basic " + base64.b64encode(
        f"{w['jwt_appid']}:{w['jwt_appkey']}".encode()).decode()
    codes = {name: iter(values) for name, values in w["codes"].items()}

    def exchange(kind: str) -> Callable[[Any], Any]:
        def call(c: Any) -> Any:
            if kind != "opaque":  # the JWT app's tokens, signed with this algorithm
                c.application.config["ZC_ACCESS_TOKEN_ALG"] = kind
            return c.post("/oauth2/token", headers={
                "Authorization": basic if kind == "opaque" else jwt_basic},
                data={"grant_type": "authorization_code", "code": next(codes[kind]),
                      "redirect_uri": REDIRECT})
        return call

    dpop_proofs = iter(w["dpop_proofs"])
    return {
        "healthz": lambda c: c.get("/healthz"),
        "get_user_info": lambda c: c.get(legacy),
        "api_me": lambda c: c.get("/api/v1/me", headers=bearer),
        "api_me_dpop": lambda c: c.get("/api/v1/me", headers={
            "Authorization": f"DPoP {w['dpop_token']}", "DPoP": next(dpop_proofs)}),
        "introspect": lambda c: c.post("/oauth2/introspect", data={"token": w["token"]},
                                          headers={"Authorization": basic}),
        "refresh": lambda c: c.get(
            f"/oauth2.0/token?grant_type=refresh_token&client_id={w['appid']}"
            f"&client_secret={w['appkey']}&refresh_token={next(fresh)}"),
        "refresh_rest": lambda c: c.post(
            "/oauth2/token", headers={"Authorization": basic},
            data={"grant_type": "refresh_token", "refresh_token": next(fresh_rest)}),
        "code_opaque": exchange("opaque"),
        "code_jwt_ES256": exchange("ES256"),
        "code_jwt_RS256": exchange("RS256"),
    }


class _Statements:
    """Counts SQL statements sent, the figure a loaded machine cannot blur."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        self.count += 1


def _time(client: Any, call: Callable[[Any], Any], calls: int,
          statements: _Statements) -> tuple[float, float, float]:
    """Wall and CPU microseconds per call, and SQL statements per call."""
    for _ in range(min(50, calls)):  # warm caches and the pool
        assert call(client).status_code == 200
    statements.count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        response = call(client)
        assert response.status_code == 200, response.get_data()[:200]
    return ((time.perf_counter() - wall) / calls * 1e6, (time.process_time() - cpu) / calls * 1e6,
            statements.count / calls)


def main(argv: list[str] | None = None) -> int:
    """Time every hot path; optionally profile one."""
    parser = argparse.ArgumentParser(prog="python -m bench.micro", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--profile", default=None, help="an endpoint name to profile")
    args = parser.parse_args(argv)
    from sqlalchemy import event

    from gateway import create_app
    from gateway.extensions import db

    database.recreate(args.database_url)
    try:
        flask_app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url,
                                "ZC_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
                                **PRODUCTION_EXTRAS, "ZC_LOG_FORMAT":
                                "json", "ZC_API_RATE_LIMIT": "100000000 per minute",
                                # Counted, as under gunicorn, but never refusing (bench/server.py).
                                "ZC_TOKEN_LIMIT_CLIENT": "100000000 per minute",
                                "ZC_TOKEN_LIMIT_ADDRESS": "100000000 per minute",
                                "ZC_SMTP_URL": "smtp://127.0.0.1:25",
                                "ZC_PUBLIC_URL": "https://bench.invalid"})
        w = _world(flask_app, refresh_count=args.calls + 50)
        client = flask_app.test_client()
        statements = _Statements()
        with flask_app.app_context():
            event.listen(db.engine, "before_cursor_execute", statements)
        print(f"{'endpoint':<16}{'wall us':>10}{'cpu us':>10}{'SQL/call':>10}")
        for name, call in _calls(w).items():
            if args.profile == name:
                from pyinstrument import Profiler

                with Profiler(interval=0.0002) as profiler:
                    _time(client, call, args.calls, statements)
                print(profiler.output_text(color=False, show_all=False))
                continue
            wall, cpu, sql = _time(client, call, args.calls, statements)
            print(f"{name:<16}{wall:>10.0f}{cpu:>10.0f}{sql:>10.2f}", flush=True)
    finally:
        with flask_app.app_context():
            db.engine.dispose()
        database.drop(args.database_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

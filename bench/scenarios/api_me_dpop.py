"""REST `GET /api/v1/me` with a DPoP-bound token (RFC 9449): `Authorization: DPoP` and a proof.

Proofs are one-use (each has its own jti; a replay is refused), so they are pregenerated in
setup, signed (ES256) with one client key for a sample of bound tokens, every `iat` the setup's
time (valid for ZC_DPOP_IAT_LEEWAY, 60 s: longer than a run), and walked once each by a generated
wrk script (bench/walk.py). The server checks each proof (signature, htm, htu, iat, ath, jti
first use) before the token check, which the cache answers as for `api_me`: compare the two in
one run (`--scenarios api_me,api_me_dpop`).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from bench import walk
from bench.scenarios import BenchContext, Request, Scenario
from bench.seeding import access_tokens, bench_app, open_quota

PATH = "/api/v1/me"
SAMPLE = 1000  # bound tokens cycled through, like api_me's sample


def _bind(ctx: BenchContext, tokens: list[str], jkt: str) -> None:
    from sqlalchemy import update

    from gateway.extensions import db
    from gateway.oauth.models import OAuthToken
    from gateway.security.secrets import digest

    with bench_app(ctx):
        db.session.execute(update(OAuthToken).where(OAuthToken.access_digest.in_(
            [digest(t) for t in tokens])).values(jkt=jkt))
        db.session.commit()


def proofs(tokens: list[str], url: str, count: int,
           key: Any = None) -> tuple[list[str], str]:
    """`count` lines `<token> <proof>`, a fresh jti each, cycling through `tokens`, signed by
    `key` (an ES256 joserfc key; a new one by default); and the key's thumbprint (what the
    tokens are bound to)."""
    import base64
    import hashlib

    from joserfc import jws
    from joserfc.jwk import ECKey

    key = key or ECKey.generate_key("P-256")
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    now = int(time.time())
    lines = []
    for n in range(count):
        token = tokens[n % len(tokens)]
        ath = base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=")
        claims = {"jti": secrets.token_urlsafe(12), "htm": "GET", "htu": url, "iat": now,
                  "ath": ath.decode()}
        lines.append(f"{token} {jws.serialize_compact(header, json.dumps(claims), key)}")
    return lines, str(key.thumbprint())


def _setup(ctx: BenchContext) -> None:
    open_quota(ctx)
    tokens = [token for token, _openid in access_tokens(ctx, SAMPLE)]
    public = "https://bench.invalid"  # the bench server's ZC_PUBLIC_URL (bench/server.py)
    lines, jkt = proofs(tokens, public + PATH, walk.needed(ctx.extra))
    _bind(ctx, tokens, jkt)
    ctx.extra["dpop_lines"] = lines
    walk.write_script("api_me_dpop", method="GET", path=PATH, headers={}, bodies=lines,
                      threads=int(ctx.extra.get("wrk_threads", 2)), vary="dpop")


def _requests(ctx: BenchContext) -> list[Request]:
    return [Request(PATH, headers={"Authorization": f"DPoP {line.split(' ')[0]}",
                                   "DPoP": line.split(" ")[1]})
            for line in ctx.extra["dpop_lines"]]


SCENARIO = Scenario(name="api_me_dpop", requests=_requests, setup=_setup,
                    lua_file=walk.script_path("api_me_dpop"))

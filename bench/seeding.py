"""Seeding helpers the scenarios share: an app context on the bench database, quota headroom,
and one-use refresh tokens and authorization codes made with the OAuth provider's models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask

from bench.scenarios import BenchContext

# The bench measures the endpoints, not the per-app quota: the app gets an override (through the
# quota service, as an operator would set it) so a 10 s run at full speed is never refused.
BENCH_QUOTA = "100000000 per minute"
# The redirect URI bench.database.seed registers for the bench app.
REDIRECT_URI = "https://bench.example/callback"


@contextmanager
def bench_app(ctx: BenchContext) -> Iterator[Flask]:
    """The platform app bound to the bench database, inside an app context."""
    from gateway import create_app
    from gateway.extensions import db

    flask_app = create_app({"SQLALCHEMY_DATABASE_URI": ctx.database_url, "ZC_ENV": "development",
                            "SECRET_KEY": "bench-seeding-only", "ZC_LOG_FORMAT": "text"})
    with flask_app.app_context():
        try:
            yield flask_app
        finally:
            db.session.remove()
            db.engine.dispose()


def open_quota(ctx: BenchContext) -> None:
    """Give the bench app a quota no run can reach, once per bench run."""
    if ctx.extra.get("quota_opened"):
        return
    from gateway.extensions import db
    from gateway.quotas import services as quotas
    from gateway.quotas.models import ALL_APIS

    with bench_app(ctx):
        quotas.set_override(ctx.app_row_id, ALL_APIS, BENCH_QUOTA, actor_id=ctx.user_ids[0])
        db.session.commit()
    ctx.extra["quota_opened"] = True


def openids_of(ctx: BenchContext) -> dict[str, str]:
    """The openid each sample token speaks for (looked up by digest), cached in ctx.extra."""
    if "openids" not in ctx.extra:
        from sqlalchemy import select

        from gateway.extensions import db
        from gateway.oauth.models import OAuthToken
        from gateway.security.secrets import digest

        with bench_app(ctx):
            by_digest = {digest(t): t for t in ctx.tokens}
            rows = db.session.execute(select(OAuthToken.access_digest, OAuthToken.openid).where(
                OAuthToken.access_digest.in_(list(by_digest)))).all()
            ctx.extra["openids"] = {by_digest[d]: openid for d, openid in rows if openid}
    openids: dict[str, str] = ctx.extra["openids"]
    return openids


def refresh_tokens(ctx: BenchContext, count: int) -> list[str]:
    """`count` live refresh tokens spread over the users, stored as digests (COPY on PostgreSQL)."""
    from flask import current_app

    from bench.tokens import bulk_insert
    from gateway.apps.models import App
    from gateway.authorizations import services as authorizations
    from gateway.extensions import db
    from gateway.identity.services import openid_for
    from gateway.oauth.models import OAuthToken
    from gateway.security.secrets import digest, new_hex32
    from gateway.timeutil import utcnow

    with bench_app(ctx):
        app = db.session.get(App, ctx.app_row_id)
        assert app is not None
        scopes = sorted(app.granted_scopes())
        openids = {u: openid_for(u, app) for u in ctx.user_ids}
        for user_id in ctx.user_ids:
            authorizations.record_consent(user_id, app.id, scopes)
        db.session.commit()
        now, config = utcnow(), current_app.config
        access_until = now + timedelta(seconds=int(config["ZC_ACCESS_TOKEN_TTL"]))
        refresh_until = now + timedelta(seconds=int(config["ZC_REFRESH_TOKEN_TTL"]))
        raws = [new_hex32() for _ in range(count)]
        columns = ("access_digest", "refresh_digest", "app_id", "user_id", "openid", "scopes",
                   "grant_type", "family", "family_started_at", "created_at", "expires_at",
                   "refresh_expires_at")
        rows = ((digest(new_hex32()), digest(raw), app.id, ctx.user_ids[n % len(ctx.user_ids)],
                 openids[ctx.user_ids[n % len(ctx.user_ids)]], _json(scopes),
                 "authorization_code", new_hex32(), now, now, access_until, refresh_until)
                for n, raw in enumerate(raws))
        with db.engine.begin() as connection:
            bulk_insert(connection, OAuthToken.__table__, columns, rows)  # type: ignore[arg-type]
    return raws


def access_tokens(ctx: BenchContext, count: int) -> list[tuple[str, str]]:
    """`count` live access tokens never sent before, as (token, openid), stored as digests."""
    from flask import current_app

    from bench.tokens import bulk_insert
    from gateway.apps.models import App
    from gateway.authorizations import services as authorizations
    from gateway.extensions import db
    from gateway.identity.services import openid_for
    from gateway.oauth.models import OAuthToken
    from gateway.security.secrets import digest, new_hex32
    from gateway.timeutil import utcnow

    with bench_app(ctx):
        app = db.session.get(App, ctx.app_row_id)
        assert app is not None
        scopes = sorted(app.granted_scopes())
        openids = {u: openid_for(u, app) for u in ctx.user_ids}
        for user_id in ctx.user_ids:
            authorizations.record_consent(user_id, app.id, scopes)
        db.session.commit()
        now = utcnow()
        until = now + timedelta(seconds=int(current_app.config["ZC_ACCESS_TOKEN_TTL"]))
        pairs = [(new_hex32(), openids[ctx.user_ids[n % len(ctx.user_ids)]])
                 for n in range(count)]
        columns = ("access_digest", "app_id", "user_id", "openid", "scopes", "grant_type",
                   "family", "family_started_at", "created_at", "expires_at")
        rows = ((digest(raw), app.id, ctx.user_ids[n % len(ctx.user_ids)], openid,
                 _json(scopes), "authorization_code", new_hex32(), now, now, until)
                for n, (raw, openid) in enumerate(pairs))
        with db.engine.begin() as connection:
            bulk_insert(connection, OAuthToken.__table__, columns, rows)  # type: ignore[arg-type]
    ctx.extra["tokens_added"] = int(ctx.extra.get("tokens_added", 0)) + count
    return pairs


def _json(value: list[str]) -> str:
    import json

    return json.dumps(value)


def authorization_codes(ctx: BenchContext, count: int, redirect_uri: str) -> list[str]:
    """`count` fresh authorization codes minted by the provider's own `issue_code`."""
    from gateway.apps.models import App
    from gateway.authorizations import services as authorizations
    from gateway.extensions import db
    from gateway.oauth import tokens

    with bench_app(ctx):
        app = db.session.get(App, ctx.app_row_id)
        assert app is not None
        scopes = sorted(app.granted_scopes())
        for user_id in ctx.user_ids:
            authorizations.record_consent(user_id, app.id, scopes)
        codes = [tokens.issue_code(app, ctx.user_ids[n % len(ctx.user_ids)],
                                   redirect_uri=redirect_uri, scopes=scopes)
                 for n in range(count)]
        db.session.commit()
    return codes

"""The OAuth 2.0 / OpenID Connect provider: QQ-compatible paths and standard endpoints.

Layers (docs/architecture.md): web (views, legacy_views, device_views: parse and format only),
protocol (server: Authlib's grants and endpoints; tokens: the rules; clients: the one
client-authentication rule) and storage (store/: the TokenStore and its implementations).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import Engine


def init_app(app: Flask) -> None:
    """Choose the app's token store (PostgreSQL or portable SQL, with its caches) and register
    this process's commit-time evictions. Call after the database is bound."""
    from gateway import driver
    from gateway.extensions import db
    from gateway.notify_feed import feed_for
    from gateway.oauth.store import events
    from gateway.oauth.store.cache import TokenCache
    from gateway.oauth.store.cached import CachedStore
    from gateway.oauth.store.postgres import PostgresStore
    from gateway.oauth.store.sql import SqlStore

    with app.app_context():
        engine: Engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        inner = PostgresStore() if postgres and driver.supported() else SqlStore()
        feed = feed_for(engine.url) if postgres else None
    configured = app.config.get("ZC_TOKEN_CACHE_TTL")
    ttl = float(configured if configured is not None else (30 if postgres else 0))
    tokens = None if ttl <= 0 else TokenCache(
        ttl, int(app.config["ZC_TOKEN_CACHE_SIZE"]), feed)
    store = CachedStore(inner, tokens, feed, float(app.config["ZC_APP_CACHE_TTL"]))
    if feed is not None:
        feed.register(store)
    app.extensions["zc_token_store"] = store
    events.listen_for_local_changes()
    from gateway.accounts.sessions import sessions_ended
    from gateway.oauth import backchannel

    sessions_ended.connect(backchannel.on_sessions_ended)
    from gateway.oauth import server

    server.init_app(app)

"""Engine set-up that differs by database: SQLite pragmas, PostgreSQL pool sizes. Low level:
imports no domain (the token store hooks itself in from gateway.oauth.init_app)."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from gateway.extensions import db


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _pool_options(app: Flask) -> None:
    """Server databases: pool sizes from ZC_DB_* (explicit engine options win)."""
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite":
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_size", int(app.config["ZC_DB_POOL_SIZE"]))
    options.setdefault("max_overflow", int(app.config["ZC_DB_MAX_OVERFLOW"]))
    options.setdefault("pool_recycle", int(app.config["ZC_DB_POOL_RECYCLE"]))
    options.setdefault("pool_timeout", int(app.config["ZC_DB_POOL_TIMEOUT"]))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection only when it sat idle `idle_seconds`: a ping on every checkout
    (pool_pre_ping) costs each request a round trip, while a connection in steady use is known
    alive. A dead one is replaced by the pool before the request sees it."""
    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["zc_idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("zc_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("stale pooled connection") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def autocommit_engine() -> Engine:
    """The app's engine in autocommit mode (same pool), for single-statement reads on hot paths.

    A read outside a transaction costs one round trip instead of BEGIN, SELECT and COMMIT.
    Kept per app, and rebuilt after `engine.dispose()` gave the engine a new pool.
    """
    engine: Engine = db.engine
    found: Engine | None = current_app.extensions.get("zc_autocommit_engine")
    if found is None or found.pool is not engine.pool:
        found = engine.execution_options(isolation_level="AUTOCOMMIT")
        current_app.extensions["zc_autocommit_engine"] = found
    return found


def session_in_transaction() -> bool:
    """Whether this request's session exists and has a transaction open (asking creates none)."""
    return db.session.registry.has() and db.session().in_transaction()


def commit_if_open() -> None:
    """Commit the request's work, if any: a request served from memory or straight through the
    driver (the refresh grant on PostgreSQL) has no session to commit."""
    if session_in_transaction():
        db.session.commit()


def init_app(app: Flask) -> None:
    """Bind the database: SQLite pragmas, or pool sizes and idle pings for a server database."""
    _pool_options(app)
    db.init_app(app)
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        elif not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
            _ping_after_idle(engine, float(app.config["ZC_DB_PING_AFTER_IDLE"]))

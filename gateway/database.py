"""Engine set-up that differs by database: SQLite pragmas, PostgreSQL pool sizes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, make_url
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.sql import ClauseElement

from gateway.extensions import db
from gateway.oauth import token_cache, token_cache_events


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


def driver_statements_supported() -> bool:
    """Whether `driver_connection` can be used: PostgreSQL through psycopg 3."""
    dialect = db.engine.dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


@contextmanager
def driver_connection() -> Iterator[Any]:
    """A pooled connection's own psycopg connection, in autocommit mode, for the few statements
    on the hottest paths (the refresh grant's read and claim).

    SQLAlchemy's per-statement work (execution context, result objects, type processing) costs
    about 250 us of CPU there, more than the database spends on the statement; these go to the
    driver prepared (`driver_sql`) and return plain tuples. The connection comes from and goes
    back to the same pool, so the pool's size, idle pings and recycling still apply; a
    connection that failed is invalidated rather than returned.
    """
    import psycopg

    pooled = db.engine.raw_connection()
    conn = pooled.driver_connection
    broken = False
    try:
        conn.autocommit = True  # a flag on an idle connection: no round trip
        yield conn
    except (psycopg.OperationalError, psycopg.InterfaceError):
        broken = True
        pooled.invalidate()
        raise
    finally:
        try:
            if not broken:  # sessions rely on the driver's own transactions
                conn.autocommit = False
        finally:
            pooled.close()


@cache
def _compiled(statement: ClauseElement, dialect: Dialect) -> str:
    return str(statement.compile(dialect=dialect))


def driver_sql(statement: ClauseElement) -> str:
    """A Core statement compiled once for the app's dialect, for `driver_connection`
    (named `%(name)s` parameters): the statement stays written once, in Core."""
    return _compiled(statement, db.engine.dialect)


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
        token_cache.init_app(app, engine.url)
    token_cache_events.listen_for_local_changes()

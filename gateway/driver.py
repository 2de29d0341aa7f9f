"""Statements sent to psycopg directly, on the app's own pool: the refresh grant's read and claim.

SQLAlchemy's per-statement work (execution context, result objects, type processing) costs
about 250 us of CPU, more than PostgreSQL spends on those statements. They stay written once, in
Core, are compiled once (`fetch_one`) and go to the driver prepared, returning plain tuples. The
connection comes from and goes back to the app's pool, so its size, idle pings and recycling
still apply; a connection that failed is invalidated rather than returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from gateway.extensions import db


class _Lent:
    """One pooled connection lent for a block of statements (`one_connection`)."""

    def __init__(self) -> None:
        self.pooled: Any = None


_lent: ContextVar[_Lent | None] = ContextVar("zc_driver_connection", default=None)


def supported() -> bool:
    """Whether statements can go to the driver: PostgreSQL through psycopg 3."""
    dialect = db.engine.dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _checkout() -> Any:
    pooled = db.engine.raw_connection()
    pooled.driver_connection.autocommit = True  # a flag on an idle connection: no round trip
    return pooled


def _give_back(pooled: Any, broken: bool) -> None:
    try:
        if broken:
            pooled.invalidate()
        else:  # sessions rely on the driver's own transactions
            pooled.driver_connection.autocommit = False
    finally:
        pooled.close()


@contextmanager
def connection() -> Iterator[Any]:
    """A pooled connection's psycopg connection, in autocommit mode: every statement commits
    on its own. Inside `one_connection`, the block's connection."""
    import psycopg

    lent = _lent.get()
    if lent is not None and lent.pooled is None:
        lent.pooled = _checkout()
    pooled = lent.pooled if lent is not None else _checkout()
    broken = False
    try:
        yield pooled.driver_connection
    except (psycopg.OperationalError, psycopg.InterfaceError):
        broken = True
        if lent is not None:
            lent.pooled = None
        raise
    finally:
        if lent is None or broken:
            _give_back(pooled, broken)


@contextmanager
def one_connection() -> Iterator[None]:
    """Within the block, `connection()` lends one pooled connection, checked out at first use
    and given back at the end: a request that sends two statements checks out once."""
    lent = _Lent()
    token = _lent.set(lent)
    try:
        yield
    finally:
        _lent.reset(token)
        if lent.pooled is not None:
            _give_back(lent.pooled, broken=False)


@cache
def _compiled(statement: ClauseElement, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    compiled = statement.compile(dialect=dialect)
    constants = {name: bind.value for bind, name in compiled.bind_names.items()
                 if not bind.required}
    return str(compiled), constants


def fetch_one(conn: Any, statement: ClauseElement, params: dict[str, Any]) -> Any:
    """Run a module-level Core statement prepared on a driver connection: its first row (a
    tuple) or None. The statement's own constants (literals SQLAlchemy sends as parameters)
    are filled in; every `bindparam` without a value must be in `params`."""
    text, constants = _compiled(statement, db.engine.dialect)
    return conn.execute(text, {**constants, **params}, prepare=True).fetchone()


def fetch_all(conn: Any, statement: ClauseElement, params: dict[str, Any]) -> list[Any]:
    """As `fetch_one`, every row."""
    text, constants = _compiled(statement, db.engine.dialect)
    return conn.execute(text, {**constants, **params}, prepare=True).fetchall()

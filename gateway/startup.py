"""Start-up: where the instance folder is, `.env` in development, the database URL as hosts hand
it out, and a preflight that turns a bad setting into one line naming it (never a traceback).

Low level: imports no domain.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import tempfile
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit

from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from gateway.config import ConfigError

DOTENV_FILE = ".env"
URL_HINT = "postgresql://USER:PASSWORD@HOST:5432/NAME or sqlite:////PATH/zoneconnect.db"


def environment(overrides: Mapping[str, Any] | None = None) -> Mapping[str, str]:
    """The process environment, plus `./.env` in development (real variables win over it)."""
    overrides = overrides or {}
    if overrides.get("TESTING") or not os.path.isfile(DOTENV_FILE):
        return os.environ
    from dotenv import dotenv_values

    values = {k: v for k, v in dotenv_values(DOTENV_FILE).items() if v is not None}
    env = overrides.get("ZC_ENV") or os.environ.get("ZC_ENV") or values.get("ZC_ENV")
    if env != "development":  # production and tests read only their real environment
        return os.environ
    return {**values, **os.environ}


def instance_path(overrides: Mapping[str, Any] | None, environ: Mapping[str, str]) -> str | None:
    """ZC_INSTANCE_PATH (test dict, then environment) as an absolute path; None: Flask's default
    (`instance/` beside a checkout)."""
    chosen = (overrides or {}).get("ZC_INSTANCE_PATH") or environ.get("ZC_INSTANCE_PATH")
    return os.path.abspath(chosen) if chosen else None


def ensure_instance_folder(path: str) -> None:
    """Create the instance folder and prove it writable, or say which setting to change."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise ConfigError(f"ZC_INSTANCE_PATH: cannot write to {path} ({exc.strerror}); set "
                          "ZC_INSTANCE_PATH to a writable folder (the image uses /data)") from None


def _postgres_driver() -> str:
    """The PostgreSQL driver installed here, as an SQLAlchemy dialect suffix."""
    for module, suffix in (("psycopg", "psycopg"), ("psycopg2", "psycopg2")):
        if importlib.util.find_spec(module) is not None:
            return suffix
    raise ConfigError("DATABASE_URL: no PostgreSQL driver is installed (pip install psycopg)")


def normalize_database_url(url: str | None) -> str | None:
    """`postgres://` and `postgresql://` (as hosting providers hand them out) get the installed
    driver; anything that is not a PostgreSQL or SQLite URL is refused."""
    if not url:
        return url
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a non-numeric port raises here, not at the first request
    except (ArgumentError, ValueError):
        raise ConfigError(f"DATABASE_URL is not a database URL; expected {URL_HINT}") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend, parsed = "postgresql", parsed.set(drivername="postgresql")
    if backend not in {"postgresql", "sqlite"}:
        raise ConfigError(f"DATABASE_URL: {backend!r} is not supported; expected {URL_HINT}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername=f"postgresql+{_postgres_driver()}")
        return parsed.render_as_string(hide_password=False)
    try:
        parsed.get_dialect().import_dbapi()
    except (ImportError, ArgumentError):
        raise ConfigError(f"DATABASE_URL: the driver {parsed.get_driver_name()!r} is not "
                          "installed; write postgresql://... to use the installed one") from None
    return url


def _where(url: str) -> str:
    """host:port of a URL, for messages (never the password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or ''}".rstrip(":")


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_database(url: str) -> None:
    """Connect once (no pool left behind: gunicorn forks after this)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        where = make_url(url).render_as_string(hide_password=True)
        raise ConfigError(f"DATABASE_URL: cannot connect to {where} ({first_line(exc)})") from None
    finally:
        engine.dispose()


def check_redis(url: str) -> None:
    """PING Redis with a short timeout."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise ConfigError(f"REDIS_URL: cannot reach Redis at {_where(url)} "
                          f"({first_line(exc)})") from None


def check_smtp(url: str) -> None:
    """Open (and close) a TCP connection to the SMTP server."""
    parts = urlsplit(url)
    default_port = {"smtps": 465, "smtp+starttls": 587}.get(parts.scheme, 25)
    try:
        host, port = parts.hostname, parts.port or default_port
        if not host:
            raise ValueError("no host in the URL")
        socket.create_connection((host, port), timeout=3).close()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"ZC_SMTP_URL: cannot reach the SMTP server at {_where(url)} "
                          f"({exc})") from None


def preflight(config: Mapping[str, Any]) -> None:
    """Check that every external service the settings name answers."""
    check_database(str(config["SQLALCHEMY_DATABASE_URI"]))
    if config.get("REDIS_URL"):
        check_redis(str(config["REDIS_URL"]))
    if config.get("ZC_SMTP_URL"):
        check_smtp(str(config["ZC_SMTP_URL"]))


def refuse(exc: ConfigError) -> NoReturn:
    """Print one line naming the setting and exit 1 (no traceback)."""
    print(f"zoneconnect: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(1)


def preflight_or_exit(connect: bool = True) -> None:
    """What gunicorn's master and the worker run first: build the settings, check the services."""
    from gateway.config import build

    try:
        environ = environment()
        path = instance_path(None, environ) or _default_instance_path()
        ensure_instance_folder(path)
        config = build(path, None, environ)
        if connect:
            preflight(config)
    except ConfigError as exc:
        refuse(exc)


def _default_instance_path() -> str:
    """Flask's own choice for the gateway package (`instance/` beside a checkout)."""
    from flask import Flask

    return Flask("gateway").instance_path

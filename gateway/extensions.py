"""Unbound Flask extensions, bound to the app in create_app."""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

import gateway.process_limits  # noqa: F401  (registers the process:// limits storage)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose metadata names every constraint predictably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_address() -> str:
    """The caller's address (ProxyFix has already applied X-Forwarded-For when configured)."""
    return get_remote_address() or request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[])


def check_limits_only_where_declared(app: Flask) -> None:
    """Flask-Limiter checks every request in a before_request hook (about a quarter of what a
    bare /healthz costs here), although ZoneConnect declares no default, application or
    blueprint limits: each limited view carries @limiter.limit, whose wrapper checks its own
    limits. Drop the hook then; keep it as soon as a global limit is configured."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [hook for hook in hooks
                                      if hook != limiter._check_request_limit]

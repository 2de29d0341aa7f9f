"""ZoneConnect gateway: the platform's one composition root."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway import config as config_module
from gateway import database
from gateway.extensions import csrf, db, limiter, migrate

MIGRATIONS_DIR = os.environ.get("ZC_MIGRATIONS_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "migrations"))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the platform app: configuration, extensions, blueprints, commands."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_module.build(app.instance_path, config))
    logging.getLogger("gateway").setLevel(app.config["LOG_LEVEL"])
    if app.config.get("ZC_TRUSTED_PROXIES"):
        hops = int(app.config["ZC_TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    _import_models()
    database.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from gateway import errors, navigation, web

    web.init_app(app)
    navigation.init_app(app)
    errors.register_error_handlers(app)
    _register_blueprints(app)

    from gateway.cli import register_commands

    register_commands(app)
    return app


def _import_models() -> None:
    """Import every domain's models so the metadata (and Alembic) sees all tables."""
    from gateway.accounts import models as _accounts  # noqa: F401
    from gateway.apps import models as _apps  # noqa: F401
    from gateway.audit import models as _audit  # noqa: F401
    from gateway.authorizations import models as _authorizations  # noqa: F401
    from gateway.identity import models as _identity  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from gateway.accounts.views import bp as accounts_bp
    from gateway.health.views import bp as health_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(accounts_bp)

"""ZoneConnect gateway: the platform's one composition root."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway import (
    cache,
    database,
    errors,
    i18n,
    labels,
    mail,
    navigation,
    oauth,
    observability,
    outbound,
    startup,
    storage,
    web,
)
from gateway import config as config_module
from gateway.commands import register_commands
from gateway.extensions import check_limits_only_where_declared, csrf, db, limiter, migrate

MIGRATIONS_DIR = os.environ.get("ZC_MIGRATIONS_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "migrations"))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the platform app: configuration, extensions, blueprints, commands."""
    environ = startup.environment(config)  # with .env in development
    app = web.PlatformFlask(__name__, instance_relative_config=True,
                            instance_path=startup.instance_path(config, environ))
    startup.ensure_instance_folder(app.instance_path)
    app.config.from_mapping(config_module.build(app.instance_path, config, environ))
    logging.getLogger("gateway").setLevel(app.config["LOG_LEVEL"])
    if app.config.get("ZC_TRUSTED_PROXIES"):
        hops = int(app.config["ZC_TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    _import_models()
    # Request ids first: hooks registered later (CSRF, rate limits) may refuse the request,
    # and their responses and log lines must still carry its id.
    web.init_app(app)
    database.init_app(app)
    oauth.init_app(app)  # the token store, on the database just bound
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    i18n.init_app(app)
    labels.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    check_limits_only_where_declared(app)  # no global limits: skip the per-request hook
    observability.init_app(app)
    cache.init_app(app)
    storage.init_app(app)
    outbound.init_app(app)
    navigation.init_app(app)
    errors.register_error_handlers(app)
    mail.init_app(app)
    _register_blueprints(app)

    register_commands(app)
    return app


def _import_models() -> None:
    """Import every domain's models so the metadata (and Alembic) sees all tables."""
    from gateway.accounts import models as _accounts  # noqa: F401
    from gateway.albums import models as _albums  # noqa: F401
    from gateway.apps import models as _apps  # noqa: F401
    from gateway.audit import models as _audit  # noqa: F401
    from gateway.authlog import models as _authlog  # noqa: F401
    from gateway.authorizations import models as _authorizations  # noqa: F401
    from gateway.developers import models as _developers  # noqa: F401
    from gateway.friends import models as _friends  # noqa: F401
    from gateway.groupapps import models as _groupapps  # noqa: F401
    from gateway.groups import models as _groups  # noqa: F401
    from gateway.identity import models as _identity  # noqa: F401
    from gateway.ledger import models as _ledger  # noqa: F401
    from gateway.mail import models as _mail  # noqa: F401
    from gateway.mfa import models as _mfa  # noqa: F401
    from gateway.moderation import models as _moderation  # noqa: F401
    from gateway.notifications import models as _notifications  # noqa: F401
    from gateway.oauth import models as _oauth  # noqa: F401
    from gateway.outbox import models as _outbox  # noqa: F401
    from gateway.payments import models as _payments  # noqa: F401
    from gateway.privacy import models as _privacy  # noqa: F401
    from gateway.quotas import models as _quotas  # noqa: F401
    from gateway.revenue import models as _revenue  # noqa: F401
    from gateway.scheduler import models as _scheduler  # noqa: F401
    from gateway.shares import models as _shares  # noqa: F401
    from gateway.usage import models as _usage  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    """Every domain's pages and APIs; the developer portal registers its own from here."""
    import developer_portal
    from developer_portal.openapi_docs import register_manage_api_docs
    from developer_portal.revenue import init_app as init_revenue_pages
    from gateway.accounts.device_views import bp as devices_bp
    from gateway.accounts.email_views import bp as account_email_bp
    from gateway.accounts.preferences import init_app as init_preferences
    from gateway.accounts.recovery_views import bp as recovery_bp
    from gateway.accounts.views import bp as accounts_bp
    from gateway.authlog.recorder import init_app as init_authlog
    from gateway.communities import init_app as init_communities
    from gateway.health.views import bp as health_bp
    from gateway.mfa.login_views import bp as mfa_login_bp
    from gateway.mfa.views import bp as mfa_bp
    from gateway.notifications import init_app as init_notifications
    from gateway.oauth import blueprint as oauth_urls
    from gateway.openapi.docs import add_contributor
    from gateway.openapi.setup import init_app as init_open_api
    from gateway.payments.setup import init_app as init_money
    from gateway.privacy.views import bp as privacy_bp

    for blueprint in (health_bp, accounts_bp, account_email_bp, recovery_bp, mfa_bp,
                      mfa_login_bp, devices_bp, privacy_bp):
        app.register_blueprint(blueprint)
    oauth_urls.register(app)  # every OAuth URL: gateway/oauth/blueprint.py
    init_authlog(app)  # the per-app auth event log reads the OAuth endpoints' outcomes
    init_preferences(app)  # the language switch; the locale selector reads the account
    init_notifications(app)  # mail preferences and one-click unsubscribe
    # Fixed wire formats: QQ legacy bodies and OAuth protocol JSON answer in English.
    i18n.wire_format(app, "shares_legacy.add_share",
                     "openapi_legacy.get_user_info", "openapi_legacy.get_simple_userinfo",
                     "openapi_legacy.get_vip_info", "stripe_webhooks.receive")
    init_money(app)
    init_open_api(app)
    init_communities(app)
    developer_portal.init_app(app)
    init_revenue_pages(app)
    add_contributor(app, register_manage_api_docs)  # the portal's paths in /api/v1/openapi.json

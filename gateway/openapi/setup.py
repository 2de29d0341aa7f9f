"""Registers the open API's blueprints: user info, shares, authorized apps, quotas, docs."""

from __future__ import annotations

from flask import Flask

from gateway import navigation
from gateway.i18n import _l


def init_app(app: Flask) -> None:
    """Register every blueprint of issue 4, the quota storage and the nav link."""
    from gateway.authorizations.views import bp as authorizations_bp
    from gateway.openapi.docs import bp as docs_bp
    from gateway.openapi.guide import bp as guide_bp
    from gateway.openapi.views import api_bp, legacy_bp
    from gateway.quotas import services as quotas
    from gateway.quotas.views import bp as quotas_bp
    from gateway.shares.api import api_bp as shares_api_bp
    from gateway.shares.api import legacy_bp as shares_legacy_bp
    from gateway.shares.views import bp as shares_bp

    quotas.init_app(app)
    for blueprint in (legacy_bp, api_bp, docs_bp, guide_bp, shares_legacy_bp, shares_api_bp,
                      shares_bp, authorizations_bp, quotas_bp):
        app.register_blueprint(blueprint)
    navigation.add_link(app, _l("My space"), "shares.my_space")
    navigation.add_link(app, _l("Authorized apps"), "authorizations.apps")

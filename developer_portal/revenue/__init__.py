"""Revenue pages: the developer's earnings and payouts, the operators' tiers and refunds."""

from __future__ import annotations

from flask import Flask

from gateway.accounts.models import User


def _owns_apps(user: User) -> bool:
    from sqlalchemy import select

    from gateway.apps.models import App
    from gateway.extensions import db

    return db.session.scalar(select(App.id).where(App.developer_id == user.id).limit(1)) is not None


def init_app(app: Flask) -> None:
    """Register the developer revenue and operator revenue blueprints and their nav links."""
    from developer_portal.revenue.admin import bp as admin_bp
    from developer_portal.revenue.views import bp as developer_bp
    from gateway.i18n import _l
    from gateway.navigation import add_link

    app.register_blueprint(developer_bp)
    app.register_blueprint(admin_bp)
    add_link(app, _l("Revenue"), "developer_revenue.overview", _owns_apps)
    add_link(app, _l("Tiers"), "admin_revenue.edit_tiers", lambda user: bool(user.is_admin))

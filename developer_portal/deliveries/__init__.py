"""The developer portal's webhook deliveries page: every attempt, and a Resend button."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the deliveries blueprint."""
    from developer_portal.deliveries.views import bp

    app.register_blueprint(bp)

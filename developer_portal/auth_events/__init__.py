"""The developer portal's auth event log page and its CSV export."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the auth events blueprint."""
    from developer_portal.auth_events.views import bp

    app.register_blueprint(bp)

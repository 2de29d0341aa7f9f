"""The developer portal's webhook endpoints pages: add, edit, remove, enable, rotate, test."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the webhook endpoints blueprint."""
    from developer_portal.webhooks.views import bp

    app.register_blueprint(bp)

"""The developer portal (/developer/), operator console (/admin/) and management API."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the portal's blueprints, nav links, usage recorder and commands."""
    from developer_portal import setup
    from developer_portal.auth_events import init_app as init_auth_events
    from developer_portal.deliveries import init_app as init_deliveries
    from developer_portal.webhooks import init_app as init_webhooks

    setup.init_app(app)
    init_deliveries(app)
    init_webhooks(app)
    init_auth_events(app)

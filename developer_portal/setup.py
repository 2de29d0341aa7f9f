"""Wiring of the portal into the platform app (kept apart so importing the package is cheap)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from gateway.i18n import _l
from gateway.navigation import add_link


@click.group("usage", help="Usage statistics.")
def usage_group() -> None:
    pass


@usage_group.command("flush")
@with_appcontext
def usage_flush() -> None:
    """Move buffered usage counts (this process's, or Redis's) into the tables."""
    from gateway.commands import echo_json
    from gateway.usage import recorder

    echo_json({"rows": recorder.flush()})


def init_app(app: Flask) -> None:
    """Register blueprints, nav links, the usage recorder and the `usage` command group."""
    from developer_portal import (  # noqa: F401  (modules attach their routes on import)
        admin_accounts,
        admin_audit,
        admin_views,
        app_views,
        delete_views,
        dev_views,
        key_views,
        manage_api,
        manage_endpoints,
        manage_revenue,
        manage_review,
        manage_sandbox,
        manage_webhooks,
        sandbox_views,
        stats_views,
    )
    from developer_portal.blueprints import admin, developer, manage
    from gateway.usage import recorder

    recorder.init_app(app)
    app.register_blueprint(developer)
    app.register_blueprint(admin)
    app.register_blueprint(manage)
    add_link(app, _l("Developer"), "developer.index")
    add_link(app, _l("Console"), "admin.index", when=lambda user: user.is_admin)
    app.cli.add_command(usage_group)

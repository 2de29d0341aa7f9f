"""Registers the community domains: friends, photo albums, groups and group apps."""

from __future__ import annotations

from flask import Flask

from gateway import navigation


def init_app(app: Flask) -> None:
    """Blueprints and navigation links of issue 13."""
    from gateway.friends.cli import friends_group
    from gateway.friends.views import bp as friends_bp
    from gateway.i18n import _l

    app.register_blueprint(friends_bp)
    navigation.add_link(app, _l("Friends"), "friends.page")
    app.cli.add_command(friends_group)

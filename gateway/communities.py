"""Registers the community domains: friends, photo albums, groups and group apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from gateway import navigation


def init_app(app: Flask) -> None:
    """Blueprints and navigation links of issue 13."""
    from gateway.albums import docs as album_docs
    from gateway.albums.api import api_bp as albums_api_bp
    from gateway.albums.api import legacy_bp as albums_legacy_bp
    from gateway.albums.views import bp as album_pages_bp
    from gateway.commands.friends import friends_group
    from gateway.commands.groups import groups_group
    from gateway.friends.api import legacy_bp as friends_legacy_bp
    from gateway.friends.views import bp as friends_bp
    from gateway.groupapps import docs as group_docs
    from gateway.groupapps.api import api_bp as groups_api_bp
    from gateway.groupapps.views import bp as group_apps_bp
    from gateway.groups.views import bp as groups_bp
    from gateway.i18n import _l
    from gateway.openapi.docs import add_contributor

    for blueprint in (friends_bp, friends_legacy_bp, album_pages_bp, albums_legacy_bp,
                      albums_api_bp, groups_bp, group_apps_bp, groups_api_bp):
        app.register_blueprint(blueprint)
    add_contributor(app, album_docs.register)
    add_contributor(app, group_docs.register)
    navigation.add_link(app, _l("Friends"), "friends.page")
    navigation.add_link(app, _l("Groups"), "groups.directory")
    app.cli.add_command(friends_group)
    _upload_limits(app)
    app.cli.add_command(groups_group)


def _upload_limits(app: Flask) -> None:
    """Upload endpoints and their body limits (the file or picture, plus the form's fields)."""
    from gateway import uploads

    uploads.init_app(app)
    for endpoint in ("album_pages.upload", "albums_legacy.upload_pic", "albums_api.upload_photo"):
        uploads.allow_uploads(app, endpoint, _photo_body)
    uploads.allow_uploads(app, "groups.upload_file", _group_file_body)


def _photo_body(config: Mapping[str, Any]) -> int:
    return int(config["ZC_PHOTO_MAX_BYTES"]) + 64 * 1024


def _group_file_body(config: Mapping[str, Any]) -> int:
    return int(config["ZC_GROUP_FILE_MAX_BYTES"]) + 1024 * 1024

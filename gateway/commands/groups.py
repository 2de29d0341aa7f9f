"""`gateway groups create ...` and (with group apps) `gateway groups install ...`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from gateway.accounts import services as accounts
from gateway.commands import echo_json, fail
from gateway.errors import NotFound, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l


@click.group("groups", help="Manage groups.")
def groups_group() -> None:
    pass


def _user(username: str) -> int:
    user = accounts.find_by_username(username)
    if user is None:
        raise NotFound(_l("No such user: %(names)s.", names=username))
    return user.id


@groups_group.command("create")
@click.option("--owner", required=True, help="Username of the owner.")
@click.option("--name", required=True)
@click.option("--member", "members", multiple=True, help="Username of a member (repeatable).")
@click.option("--public", is_flag=True, help="Anyone may ask to join (default: invite only).")
@click.option("--description", default="")
@click.option("--category", default="")
@with_appcontext
def groups_create(owner: str, name: str, members: tuple[str, ...], public: bool,
                  description: str, category: str) -> None:
    """Create a group and print {"id": ...}."""
    from gateway.groups import services

    try:
        group = services.create_group(_user(owner), {
            "name": name, "description": description, "category": category,
            "visibility": "public" if public else "invite"})
        for username in dict.fromkeys(members):
            if username != owner:
                services.add_member(group, _user(username))
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"id": group.id})


@groups_group.command("install")
@click.option("--group", "group_id", required=True, type=int, help="The group's id.")
@click.option("--app", "appid", required=True, help="The app's appid.")
@with_appcontext
def groups_install(group_id: int, appid: str) -> None:
    """Install a live app as the group's owner would; print {"group_openid": ...}."""
    from gateway.apps.services import find_by_appid
    from gateway.groupapps import services as group_apps
    from gateway.groups import services

    try:
        group = services.get_group(group_id)
        installation = group_apps.install(group, None, find_by_appid(appid))
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"group_openid": installation.group_openid})


@groups_group.command("app-settings")
@click.option("--app", "appid", required=True, help="The app's appid.")
@click.option("--daily-posts", type=click.IntRange(0, 100_000), default=None,
              help="Posts a day per group (omit for the platform default).")
@click.option("--large-groups/--no-large-groups", default=False,
              help="Reviewed: may list members of groups above the review threshold.")
@with_appcontext
def groups_app_settings(appid: str, daily_posts: int | None, large_groups: bool) -> None:
    """An operator's settings for one app in groups; prints them."""
    from gateway.apps.services import find_by_appid
    from gateway.groupapps import services as group_apps

    try:
        app = find_by_appid(appid)
        group_apps.set_settings(app.id, None, daily_posts=daily_posts,
                                large_groups_approved=large_groups)
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"appid": app.appid, "daily_posts": group_apps.daily_limit(app.id),
               "large_groups_approved": large_groups})


@groups_group.command("quota")
@click.option("--group", "group_id", required=True, type=int, help="The group's id.")
@click.option("--file-max-bytes", type=click.IntRange(1, 2**62), default=None,
              help="Largest file (omit: ZC_GROUP_FILE_MAX_BYTES).")
@click.option("--storage-bytes", type=click.IntRange(1, 2**62), default=None,
              help="All files together (omit: ZC_GROUP_STORAGE_MAX_BYTES).")
@with_appcontext
def groups_quota(group_id: int, file_max_bytes: int | None, storage_bytes: int | None) -> None:
    """An operator sets one group's file limits; prints them."""
    from gateway.audit.services import record
    from gateway.groups import files, services

    try:
        group = services.get_group(group_id)
    except ZoneConnectError as exc:
        fail(exc)
    group.file_max_bytes, group.file_quota_bytes = file_max_bytes, storage_bytes
    record("group.quota_set", subject_type="group", subject_id=group.id,
           file_max_bytes=file_max_bytes, storage_bytes=storage_bytes)
    db.session.commit()
    per_file, per_group = files.limits(group)
    echo_json({"id": group.id, "file_max_bytes": per_file, "storage_bytes": per_group})

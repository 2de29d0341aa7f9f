"""`gateway friends add --user U --friend V`: make two accounts friends."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from gateway.accounts import services as accounts
from gateway.commands import echo_json, fail
from gateway.errors import NotFound, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l


@click.group("friends", help="Manage friendships.")
def friends_group() -> None:
    pass


@friends_group.command("add")
@click.option("--user", "username", required=True)
@click.option("--friend", "friend_name", required=True)
@with_appcontext
def friends_add(username: str, friend_name: str) -> None:
    """Make U and V friends at once (idempotent) and print {"user": ..., "friend": ...}."""
    from gateway.friends import services

    try:
        user, friend = accounts.find_by_username(username), accounts.find_by_username(friend_name)
        if user is None or friend is None:
            raise NotFound(_l("There is no such user."))
        services.make_friends(user.id, friend.id)
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"user": user.username, "friend": friend.username, "friends": True})

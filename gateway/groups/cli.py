"""`gateway groups create ...` and (with group apps) `gateway groups install ...`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from gateway.accounts import services as accounts
from gateway.cli import echo_json, fail
from gateway.errors import NotFound, ZoneConnectError
from gateway.extensions import db


@click.group("groups", help="Manage groups.")
def groups_group() -> None:
    pass


def _user(username: str) -> int:
    user = accounts.find_by_username(username)
    if user is None:
        raise NotFound(f"No such user: {username}")
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

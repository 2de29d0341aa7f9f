"""The member list (each member's chosen visibility), member actions, and group albums."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts.views import login_required
from gateway.albums import services as albums
from gateway.albums import wire
from gateway.errors import ZoneConnectError
from gateway.extensions import db
from gateway.groups import services
from gateway.groups.models import Group
from gateway.groups.views import attempt, bp, describe, me, visible_group
from gateway.i18n import _

ACTIONS: dict[str, Callable[[Group, int, int], None]] = {
    "remove": services.remove_member,
    "ban": services.ban,
    "admin": lambda g, actor, user: services.set_role(g, actor, user, "admin"),
    "member": lambda g, actor, user: services.set_role(g, actor, user, "member"),
    "transfer": services.transfer,
}


@bp.get("/groups/<int:group_id>/members")
@login_required
def members(group_id: int) -> ResponseReturnValue:
    """Members as this member may see them, and their own visibility choice."""
    group = visible_group(group_id, content=True)
    mine = services.membership(group.id, me().id)
    assert mine is not None
    return render_template("groups/members.html", group=group, mine=mine, role=mine.role,
                           members=services.visible_members(group.id, me().id))


@bp.post("/groups/<int:group_id>/visibility")
@login_required
def visibility(group_id: int) -> ResponseReturnValue:
    """A member chooses who sees them in the member list."""
    group = visible_group(group_id, content=True)
    return attempt(lambda: services.set_member_visibility(
        group.id, me().id, request.form.get("visibility", "")),
        url_for("groups.members", group_id=group.id), _("Saved."))


@bp.post("/groups/<int:group_id>/members/<int:user_id>/<action>")
@login_required
def member_action(group_id: int, user_id: int, action: str) -> ResponseReturnValue:
    """Remove, ban, promote, demote, or hand the group over."""
    group = visible_group(group_id, content=True)
    operation = ACTIONS.get(action)
    if operation is None:
        abort(404)
    return attempt(lambda: operation(group, me().id, user_id),
                   url_for("groups.members", group_id=group.id), _("Done."))


@bp.get("/groups/<int:group_id>/albums")
@login_required
def group_albums(group_id: int) -> ResponseReturnValue:
    """The group's albums; members create them and add photos."""
    group = visible_group(group_id, content=True)
    found = albums.albums_of_group(group.id)
    return render_template("groups/albums.html", group=group, albums=found,
                           role=services.role_of(group.id, me().id),
                           covers=albums.covers(found), url=wire.photo_url)


@bp.post("/groups/<int:group_id>/albums")
@login_required
def create_group_album(group_id: int) -> ResponseReturnValue:
    """A member creates a group album (visible to the group's members)."""
    group = visible_group(group_id, content=True)
    data: dict[str, Any] = {**request.form.to_dict(), "privacy": "private"}
    try:
        album = albums.create_album(me().id, data, group_id=group.id)
        db.session.commit()
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(describe(exc))
        return redirect(url_for("groups.group_albums", group_id=group.id))
    return redirect(url_for("album_pages.album", key=album.key))

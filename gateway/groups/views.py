"""Group pages: the directory, creating a group, the group's page and membership actions.

The board, files, members and admin pages are in sibling modules on the same blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.accounts.views import login_required
from gateway.errors import ZoneConnectError
from gateway.extensions import db
from gateway.groups import board, services
from gateway.groups.models import Group
from gateway.i18n import _

bp = Blueprint("groups", __name__)


def me() -> User:
    user = sessions.current_user()
    assert user is not None  # login_required ran first
    return user


def viewer_id() -> int | None:
    user = sessions.current_user()
    return user.id if user is not None else None


def visible_group(group_id: int, *, content: bool = False) -> Group:
    """The group if the viewer may see its page (members only with `content`), else 404."""
    try:
        group = services.get_group(group_id)
    except ZoneConnectError:
        abort(404)
    allowed = services.can_see_content(group.id, viewer_id()) if content else \
        services.can_see_group(group, viewer_id())
    if not allowed:
        abort(404)
    return group


def describe(exc: ZoneConnectError) -> str:
    fields = getattr(exc, "fields", None)
    if fields:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    return str(exc.description)


def attempt(action: Callable[[], Any], back: str, done: str | None = None) -> ResponseReturnValue:
    """Run a service action: commit and flash `done`, or roll back and flash why not."""
    try:
        action()
        db.session.commit()
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(describe(exc))
        return redirect(back)
    if done:
        flash(done)
    return redirect(back)


@bp.get("/groups")
@login_required
def directory() -> ResponseReturnValue:
    """The user's groups, public groups to join, and the form that creates one."""
    return render_template("groups/directory.html", mine=services.groups_of(me().id),
                           public=services.public_groups())


@bp.post("/groups")
@login_required
def create() -> ResponseReturnValue:
    """Create a group from the form; its creator owns it."""
    try:
        group = services.create_group(me().id, request.form.to_dict())
        db.session.commit()
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(_("The group was not created: %(why)s", why=describe(exc)))
        return redirect(url_for("groups.directory"))
    return redirect(url_for("groups.page", group_id=group.id))


@bp.get("/groups/<int:group_id>")
def page(group_id: int) -> ResponseReturnValue:
    """The group's page: details, joining, and (for members) the discussion board."""
    group = visible_group(group_id)
    viewer = viewer_id()
    role = services.role_of(group.id, viewer)
    requested = viewer is not None and role is None and any(
        u.id == viewer for u in services.pending_requests(group.id))
    return render_template("groups/page.html", group=group, role=role, requested=requested,
                           members=services.member_count(group.id),
                           posts=board.recent(group.id) if role else [])


@bp.post("/groups/<int:group_id>/join")
@login_required
def join(group_id: int) -> ResponseReturnValue:
    """Ask to join a public group."""
    group = visible_group(group_id)
    return attempt(lambda: services.request_to_join(group, me().id),
                   url_for("groups.page", group_id=group.id),
                   _("Request sent: an admin will answer it."))


@bp.post("/groups/<int:group_id>/leave")
@login_required
def leave(group_id: int) -> ResponseReturnValue:
    """Leave the group (the owner hands it over first)."""
    group = visible_group(group_id, content=True)
    return attempt(lambda: services.leave(group, me().id), url_for("groups.directory"),
                   _("You left %(name)s.", name=group.name))


# Registers the routes of the sibling page modules on `bp`.
from gateway.groups import admin_views, board_views, file_views, member_views  # noqa: E402,F401

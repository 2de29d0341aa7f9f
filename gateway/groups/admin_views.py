"""Admin pages: details, join requests, invite links, bans; the invite landing page; avatar."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from gateway.accounts.views import login_required
from gateway.errors import ZoneConnectError
from gateway.extensions import db
from gateway.groups import avatars, invites, services
from gateway.groups.views import attempt, bp, describe, me, visible_group
from gateway.i18n import _
from gateway.openapi.profile import base_url

NEW_INVITE = "new_invite"


def _admin_group(group_id: int):  # type: ignore[no-untyped-def]
    group = visible_group(group_id, content=True)
    try:
        services.require_role(group.id, me().id, "admin")
    except ZoneConnectError:
        abort(403)
    return group


@bp.get("/groups/<int:group_id>/settings")
@login_required
def settings(group_id: int) -> ResponseReturnValue:
    """Details, join requests, invite links and bans (admins)."""
    group = _admin_group(group_id)
    token = session.pop(NEW_INVITE, None)
    link = f"{base_url()}{url_for('groups.invite', token=token)}" if token else None
    return render_template("groups/settings.html", group=group, new_link=link, role="admin",
                           requests=services.pending_requests(group.id),
                           invites=invites.live_invites(group.id),
                           banned=services.banned(group.id))


@bp.post("/groups/<int:group_id>/settings")
@login_required
def save_settings(group_id: int) -> ResponseReturnValue:
    """Save name, description, category and visibility."""
    group = _admin_group(group_id)
    return attempt(lambda: services.update_group(group, request.form.to_dict()),
                   url_for("groups.settings", group_id=group.id), _("Saved."))


@bp.post("/groups/<int:group_id>/requests/<int:user_id>/<answer>")
@login_required
def answer_request(group_id: int, user_id: int, answer: str) -> ResponseReturnValue:
    """Approve or decline a join request."""
    group = _admin_group(group_id)
    return attempt(lambda: services.answer_request(group, me().id, user_id,
                                                   answer == "approve"),
                   url_for("groups.settings", group_id=group.id))


@bp.post("/groups/<int:group_id>/invites")
@login_required
def new_invite(group_id: int) -> ResponseReturnValue:
    """Make an invite link; it is shown once, on the next page."""
    group = _admin_group(group_id)
    raw = request.form.get("hours", "")
    hours = int(raw) if raw.isdigit() and len(raw) < 6 else None
    try:
        session[NEW_INVITE] = invites.create(group, me().id, hours)
        db.session.commit()
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(describe(exc))
    return redirect(url_for("groups.settings", group_id=group.id))


@bp.post("/groups/<int:group_id>/invites/<int:invite_id>/revoke")
@login_required
def revoke_invite(group_id: int, invite_id: int) -> ResponseReturnValue:
    """Revoke a link at once."""
    group = _admin_group(group_id)
    return attempt(lambda: invites.revoke(group, me().id, invite_id),
                   url_for("groups.settings", group_id=group.id), _("Link revoked."))


@bp.post("/groups/<int:group_id>/bans/<int:user_id>/lift")
@login_required
def unban(group_id: int, user_id: int) -> ResponseReturnValue:
    """Lift a ban."""
    group = _admin_group(group_id)
    return attempt(lambda: services.unban(group, me().id, user_id),
                   url_for("groups.settings", group_id=group.id))


@bp.route("/groups/join/<token>", methods=["GET", "POST"])
@login_required
def invite(token: str) -> ResponseReturnValue:
    """An invite link: shows the group, and joins on confirmation."""
    try:
        group = invites.peek(token[:64])[1]
    except ZoneConnectError:
        return render_template("groups/invite.html", group=None), 404
    if request.method == "POST":
        return attempt(lambda: invites.accept(token[:64], me().id),
                       url_for("groups.page", group_id=group.id),
                       _("Welcome to %(name)s.", name=group.name))
    return render_template("groups/invite.html", group=group,
                           member=services.membership(group.id, me().id) is not None)


@bp.post("/groups/<int:group_id>/avatar")
@login_required
def upload_avatar(group_id: int) -> ResponseReturnValue:
    """Admins set the group's picture."""
    group = _admin_group(group_id)
    upload = request.files.get("avatar")
    return attempt(lambda: avatars.save(group, upload.stream if upload else None),
                   url_for("groups.settings", group_id=group.id), _("Picture saved."))


@bp.get("/groups/<int:group_id>/avatar")
def avatar(group_id: int) -> ResponseReturnValue:
    """The group's picture (for whoever may see the group's page)."""
    group = visible_group(group_id)
    data, content_type = avatars.read(group)
    return Response(data, content_type=content_type,
                    headers={"Cache-Control": "private, max-age=300"})

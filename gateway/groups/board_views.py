"""Board pages: new posts, a thread with its replies, accepting an answer."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts.views import login_required
from gateway.errors import ZoneConnectError
from gateway.groups import board, services
from gateway.groups.views import attempt, bp, me, viewer_id, visible_group
from gateway.i18n import _


@bp.post("/groups/<int:group_id>/posts")
@login_required
def new_post(group_id: int) -> ResponseReturnValue:
    """A member posts a discussion or a question."""
    group = visible_group(group_id, content=True)
    return attempt(lambda: board.post(group, me().id, request.form.to_dict()),
                   url_for("groups.page", group_id=group.id), _("Posted."))


@bp.get("/groups/<int:group_id>/posts/<int:post_id>")
def thread(group_id: int, post_id: int) -> ResponseReturnValue:
    """A post and its replies (members only)."""
    group = visible_group(group_id, content=True)
    try:
        found = board.find(group, post_id)
    except ZoneConnectError:
        abort(404)
    return render_template("groups/thread.html", group=group, post=found,
                           replies=board.thread(found), viewer=viewer_id(),
                           role=services.role_of(group.id, viewer_id()))


@bp.post("/groups/<int:group_id>/posts/<int:post_id>/replies")
@login_required
def reply(group_id: int, post_id: int) -> ResponseReturnValue:
    """A member replies (answers a question)."""
    group = visible_group(group_id, content=True)
    back = url_for("groups.thread", group_id=group.id, post_id=post_id)
    return attempt(lambda: board.reply(group, board.find(group, post_id), me().id,
                                       request.form), back)


@bp.post("/groups/<int:group_id>/posts/<int:post_id>/accept/<int:reply_id>")
@login_required
def accept(group_id: int, post_id: int, reply_id: int) -> ResponseReturnValue:
    """The asker accepts one answer."""
    group = visible_group(group_id, content=True)
    back = url_for("groups.thread", group_id=group.id, post_id=post_id)
    return attempt(lambda: board.accept(group, board.find(group, post_id), me().id, reply_id),
                   back, _("Answer accepted."))


@bp.post("/groups/<int:group_id>/posts/<int:post_id>/delete")
@login_required
def delete_post(group_id: int, post_id: int) -> ResponseReturnValue:
    """Authors delete their posts, admins any."""
    group = visible_group(group_id, content=True)
    return attempt(lambda: board.delete(group, board.find(group, post_id), me().id),
                   url_for("groups.page", group_id=group.id), _("Post deleted."))

"""The friends page `/friends` and the friendship actions (forms posted from it and from spaces)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.accounts.services import USERNAME_PATTERN
from gateway.accounts.views import login_required
from gateway.errors import ZoneConnectError
from gateway.extensions import db
from gateway.friends import services
from gateway.friends.errors import NoSuchUser
from gateway.i18n import _, _l

bp = Blueprint("friends", __name__)

ACTIONS = {
    "accept": (services.accept, _l("You are now friends with %(name)s.")),
    "decline": (services.decline, _l("Request from or to %(name)s removed.")),
    "remove": (services.remove, _l("%(name)s is no longer your friend.")),
    "block": (services.block, _l("%(name)s is blocked.")),
    "unblock": (services.unblock, _l("%(name)s is no longer blocked.")),
}


def _me() -> User:
    user = sessions.current_user()
    assert user is not None  # login_required ran first
    return user


def _user_named(username: str) -> User:
    username = username.strip()
    other = db.session.scalar(select(User).where(User.username == username)) if (
        USERNAME_PATTERN.match(username)) else None
    if other is None or not other.is_active:
        raise NoSuchUser()
    return other


def _back(other: User | None) -> ResponseReturnValue:
    if other is not None and request.form.get("back") == "space":
        return redirect(url_for("shares.space", username=other.username))
    return redirect(url_for("friends.page"))


@bp.get("/friends")
@login_required
def page() -> ResponseReturnValue:
    """Friends, requests both ways, and blocked users."""
    me = _me()
    return render_template("friends/list.html", friends=services.friends_of(me.id),
                           incoming=services.incoming(me.id), outgoing=services.outgoing(me.id),
                           blocked=services.blocked_by(me.id))


@bp.post("/friends/request")
@login_required
def send() -> ResponseReturnValue:
    """Send a friend request to the user named in the form."""
    me = _me()
    other = None
    try:
        other = _user_named(request.form.get("username", ""))
        outcome = services.send_request(me.id, other.id)
        db.session.commit()
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(str(exc.description))
        return _back(other)
    if outcome == "accepted":
        flash(_("You are now friends with %(name)s.", name=other.display_name))
    else:
        flash(_("Friend request sent to %(name)s.", name=other.display_name))
    return _back(other)


@bp.post("/friends/<name:username>/<name:action>")
@login_required
def act(username: str, action: str) -> ResponseReturnValue:
    """Accept, decline, remove, block or unblock the named user."""
    if action not in ACTIONS:
        return redirect(url_for("friends.page"))
    me = _me()
    other = None
    try:
        other = _user_named(username)
        operation, message = ACTIONS[action]
        operation(me.id, other.id)
        db.session.commit()
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(str(exc.description))
        return _back(other)
    flash(str(message) % {"name": other.display_name})
    return _back(other)

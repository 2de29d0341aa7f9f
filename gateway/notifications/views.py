"""The notification preferences (a section of the profile page) and one-click unsubscribe."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.views import login_required
from gateway.extensions import csrf, db
from gateway.i18n import _
from gateway.notifications import services
from gateway.notifications.errors import InvalidUnsubscribeLink, UnknownTopic

bp = Blueprint("notifications", __name__)


@bp.post("/account/notifications")
@login_required
def preferences() -> ResponseReturnValue:
    """Save which notification mail the person wants (security mail is not among them)."""
    user = sessions.current_user()
    assert user is not None
    try:  # (the CSRF token was checked before the view, like every form's)
        services.set_preferences(user, set(request.form.getlist("topic")))
    except UnknownTopic:
        db.session.rollback()
        raise  # a clear 400: security mail and unknown names cannot be turned off
    db.session.commit()
    flash(_("Mail preferences saved."))
    return redirect(url_for("accounts.profile", _anchor="notifications")), 303


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients POST here (RFC 8058)
def unsubscribe(token: str) -> ResponseReturnValue:
    """GET: a page with one button (link scanners change nothing). POST: turned off."""
    try:
        user, topic = services.read_unsubscribe_token(token)
    except InvalidUnsubscribeLink as exc:
        return render_template("notifications/unsubscribe.html", error=exc, topic=None,
                               done=False), exc.status
    done = request.method == "POST"
    if done:
        services.set_topic(user, topic, False, via="unsubscribe_link")
        db.session.commit()
    return render_template("notifications/unsubscribe.html", error=None,
                           topic=services.TOPICS[topic], done=done, token=token)

"""The sessions page: where the account is signed in; sign out one session or all others."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import devices, sessions
from gateway.accounts.views import login_required
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _

bp = Blueprint("devices", __name__)


@bp.get("/account/sessions")
@login_required
def list_sessions() -> ResponseReturnValue:
    """Every live session of the account: device, address, first and last seen."""
    user = sessions.current_user()
    assert user is not None
    return render_template("accounts/sessions.html", devices=devices.devices(user), form=Form())


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_one(session_id: int) -> ResponseReturnValue:
    """Sign out one session (another account's id ends nothing)."""
    user = sessions.current_user()
    assert user is not None
    if not Form().validate_on_submit():
        abort(400)
    current = sessions.current_session()
    if sessions.end(user.id, session_id, "ended_by_user"):
        audit.record("session.ended", actor_id=user.id, subject_type="user", subject_id=user.id)
    db.session.commit()
    if current is not None and current.id == session_id:
        sessions.logout()
        return redirect(url_for("accounts.login"))
    flash(_("That session was signed out."))
    return redirect(url_for("devices.list_sessions"))


@bp.post("/account/sessions/end-others")
@login_required
def end_others() -> ResponseReturnValue:
    """Sign out every session but this one."""
    user = sessions.current_user()
    current = sessions.current_session()
    assert user is not None and current is not None
    if not Form().validate_on_submit():
        abort(400)
    ended = sessions.end_all(user.id, "signed_out", keep=current.id)
    audit.record("session.ended_others", actor_id=user.id, subject_type="user",
                 subject_id=user.id)
    db.session.commit()
    flash(_("Signed out of %(count)s other sessions.", count=ended))
    return redirect(url_for("devices.list_sessions"))

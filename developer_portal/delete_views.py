"""/developer/apps/<appid>/delete: what deleting means, and the confirmed deletion."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from developer_portal.blueprints import developer as bp
from developer_portal.blueprints import developer_required, me
from developer_portal.forms import DeleteAppForm
from gateway.developers import deletion, services
from gateway.extensions import db
from gateway.i18n import _


@bp.route("/apps/<appid>/delete", methods=["GET", "POST"])
@developer_required
def delete_app(appid: str) -> ResponseReturnValue:
    """Delete an app after its name is typed again; its users are told by callback."""
    app = services.own_app(me(), appid)
    form = DeleteAppForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("developer_portal/delete_app.html", app=app, form=form), status
    try:
        removed = deletion.delete_app(app, me(), form.confirm_name.data or "")
    except deletion.NameMismatch as exc:
        form.confirm_name.errors = [str(exc.description)]
        return render_template("developer_portal/delete_app.html", app=app, form=form), 422
    db.session.commit()
    flash(_("The app %(appid)s is deleted; %(count)s users' authorizations were removed.",
            appid=app.appid, count=removed))
    return redirect(url_for("developer.index"), 303)

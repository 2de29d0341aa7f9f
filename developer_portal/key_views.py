"""Personal API keys for the management API: create (shown once), list, revoke."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from developer_portal.blueprints import developer as bp
from developer_portal.blueprints import developer_required, me
from developer_portal.forms import ApiKeyForm, ConfirmForm
from gateway.developers import keys
from gateway.extensions import db
from gateway.i18n import _
from gateway.mfa.flow import step_up_required
from gateway.security import reveal
from gateway.timeutil import isoformat


@bp.route("/keys", methods=["GET", "POST"])
@developer_required
@step_up_required
def api_keys() -> ResponseReturnValue:
    """List your API keys and create one (its value is shown on the answer, once)."""
    form = ApiKeyForm()
    if form.validate_on_submit():
        key, token = keys.create_key(me(), name=form.name.data, scope=form.scope.data)
        db.session.commit()
        # Post/redirect/get: refreshing the answer must not create a second key.
        reveal.stash("api_key", str(key.id), {"token": token})
        return redirect(url_for("developer.api_key_created", key_id=key.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("developer_portal/keys.html", form=form, keys=keys.keys_of(me()),
                           confirm=ConfirmForm(), isoformat=isoformat), status


@bp.get("/keys/<int:key_id>/created")
@developer_required
def api_key_created(key_id: int) -> ResponseReturnValue:
    """The API key just created, shown this once."""
    key = keys.own_key(me(), key_id)
    shown = reveal.take("api_key", str(key.id))
    response = make_response(render_template("developer_portal/key_created.html", key=key,
                                             token=(shown or {}).get("token")))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/keys/<int:key_id>/revoke")
@developer_required
def revoke_key(key_id: int) -> ResponseReturnValue:
    """Revoke one of your keys; it stops working at once."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("developer.api_keys")), 303
    key = keys.revoke_key(me(), key_id)
    db.session.commit()
    flash(_("Key %(prefix)s… revoked.", prefix=key.prefix))
    return redirect(url_for("developer.api_keys"))

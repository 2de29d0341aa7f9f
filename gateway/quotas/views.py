"""Operators' page for one app's quotas: `/admin/apps/<appid>/quotas`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from gateway.accounts import sessions
from gateway.accounts.views import login_required
from gateway.apps.services import find_by_appid
from gateway.errors import Forbidden, ValidationFailed
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _, _l
from gateway.quotas import services
from gateway.quotas.models import ALL_APIS, AppQuotaOverride

bp = Blueprint("quotas", __name__, url_prefix="/admin/apps/<appid>/quotas")


class OverrideForm(Form):
    api = SelectField(_l("API"), choices=[SelectChoice(ALL_APIS, _l("every API (*)")),
                                      *[SelectChoice(a, a) for a in services.APIS]])
    limit = StringField(_l("Limit"), validators=[DataRequired(), Length(max=64)])


class RemoveForm(Form):
    pass


def operator_required(view: Callable[..., ResponseReturnValue]
                      ) -> Callable[..., ResponseReturnValue]:
    """Platform operators only (403 for anybody else logged in)."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        user = sessions.current_user()
        if user is None or not user.is_admin:
            raise Forbidden(_("The operator console is for platform operators."))
        return view(*args, **kwargs)
    return login_required(wrapped)


@bp.route("", methods=["GET", "POST"])
@operator_required
def edit(appid: str) -> ResponseReturnValue:
    """Show an app's limits in force and set an override."""
    app = find_by_appid(appid)
    form = OverrideForm()
    status = 200
    if form.validate_on_submit():
        actor = sessions.current_user()
        assert actor is not None
        try:
            services.set_override(app.id, form.api.data, form.limit.data.strip(), actor.id)
        except ValidationFailed as exc:
            form.limit.errors = [m for msgs in exc.fields.values() for m in msgs]
            status = 422
        else:
            db.session.commit()
            flash(_("Quota saved."))
            return redirect(url_for("quotas.edit", appid=appid))
    elif request.method == "POST":
        status = 422
    overrides = list(db.session.scalars(select(AppQuotaOverride).where(
        AppQuotaOverride.app_id == app.id).order_by(AppQuotaOverride.api)))
    in_force = [(api, services.limit_for(app.id, api)) for api in services.APIS]
    return render_template("quotas/edit.html", app=app, form=form, overrides=overrides,
                           in_force=in_force, default=current_app.config["ZC_API_RATE_LIMIT"],
                           remove_form=RemoveForm()), status


@bp.post("/<api>/delete")
@operator_required
def remove(appid: str, api: str) -> ResponseReturnValue:
    """Drop an override: the configured default applies again."""
    app = find_by_appid(appid)
    form = RemoveForm()
    if form.validate_on_submit():
        actor = sessions.current_user()
        assert actor is not None
        services.remove_override(app.id, api[:64], actor.id)
        db.session.commit()
        flash(_("Override removed."))
    return redirect(url_for("quotas.edit", appid=appid))

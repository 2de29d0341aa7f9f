"""The authorized-apps page `/account/apps`: what each app may do, and revoking it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.views import login_required
from gateway.apps.errors import AppNotFound
from gateway.apps.scopes import SCOPES
from gateway.apps.services import find_by_appid
from gateway.authorizations import services
from gateway.extensions import db
from gateway.i18n import _

bp = Blueprint("authorizations", __name__)


def _described(scopes: list[str]) -> list[str]:
    """Scopes in plain words, without repeating a sentence two scopes share."""
    seen: dict[str, None] = {}
    for name in scopes:
        seen.setdefault(SCOPES[name].description if name in SCOPES else name, None)
    return list(seen)


@bp.get("/account/apps")
@login_required
def apps() -> ResponseReturnValue:
    """Every app the user has authorized, what it may do, when, and when it last used it."""
    user = sessions.current_user()
    assert user is not None
    grants = [{"grant": grant, "app": app, "scopes": _described(grant.scopes)}
              for grant, app in services.active_for_user(user.id)]
    return render_template("account/apps.html", grants=grants)


@bp.post("/account/apps/<appid>/revoke")
@login_required
def revoke(appid: str) -> ResponseReturnValue:
    """Withdraw an app's access once the user confirms: tokens, codes and grant go, the app is
    told by callback (a site on the SDK signs the user out)."""
    user = sessions.current_user()
    assert user is not None
    try:
        app = find_by_appid(appid[:16])
    except AppNotFound:
        app = None
    choice = request.form.get("confirm")
    if app is not None and choice not in ("yes", "no"):
        scopes = next((_described(grant.scopes) for grant, granted in
                       services.active_for_user(user.id) if granted.id == app.id), None)
        if scopes is not None:
            return render_template("account/revoke.html", app=app, scopes=scopes)
    if choice == "no":
        return redirect(url_for("authorizations.apps"))
    if app is not None and services.deauthorize(user.id, app):
        db.session.commit()
        flash(_("%(app)s can no longer use your account.", app=app.name))
    else:
        flash(_("That app had no access to your account."))
    return redirect(url_for("authorizations.apps"))

"""Installing apps in a group (with a consent step), uninstalling, and the operator's settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts.views import login_required
from gateway.apps.errors import AppNotFound
from gateway.apps.models import App
from gateway.apps.scopes import SCOPES
from gateway.apps.services import find_by_appid
from gateway.errors import ZoneConnectError
from gateway.extensions import db
from gateway.groupapps import services
from gateway.groups import services as groups
from gateway.groups.views import attempt, describe, me, visible_group
from gateway.i18n import _

bp = Blueprint("group_apps", __name__)
# What an installed app may do in a group, in the registry's plain words.
GROUP_SCOPES = ("get_group_info", "get_group_members", "send_group_msg")


def _what_it_may_do(app: App) -> list[str]:
    granted = app.granted_scopes()
    return [str(SCOPES[s].description) for s in GROUP_SCOPES if s in granted]


@bp.get("/groups/<int:group_id>/apps")
@login_required
def apps(group_id: int) -> ResponseReturnValue:
    """Apps installed in the group and what each may do; admins install and uninstall."""
    group = visible_group(group_id, content=True)
    role = groups.role_of(group.id, me().id)
    found = [{"app": app, "may": _what_it_may_do(app), "installation": inst}
             for inst, app in services.installed(group.id)]
    return render_template("groups/apps.html", group=group, role=role, installed=found)


def _app_or_none(appid: str) -> App | None:
    try:
        return find_by_appid(appid[:16])
    except (AppNotFound, ZoneConnectError):
        return None


@bp.route("/groups/<int:group_id>/apps/install", methods=["GET", "POST"])
@login_required
def install(group_id: int) -> ResponseReturnValue:
    """Consent: the page names what the app may do in this group; yes installs it."""
    group = visible_group(group_id, content=True)
    if groups.role_of(group.id, me().id) not in {"owner", "admin"}:
        abort(403)
    app = _app_or_none(request.values.get("appid", ""))
    back = url_for("group_apps.apps", group_id=group.id)
    if app is None or not app.is_live:
        flash(_("No live app has that appid."))
        return redirect(back)
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            return redirect(back)
        return attempt(lambda: services.install(group, me().id, app), back,
                       _("%(app)s is installed.", app=app.name))
    return render_template("groups/install.html", group=group, app=app,
                           may=_what_it_may_do(app), role="admin")


@bp.post("/groups/<int:group_id>/apps/<name:appid>/uninstall")
@login_required
def uninstall(group_id: int, appid: str) -> ResponseReturnValue:
    """Uninstall at once: the app's next call about this group finds nothing."""
    group = visible_group(group_id, content=True)
    app = _app_or_none(appid)
    back = url_for("group_apps.apps", group_id=group.id)
    if app is None:
        abort(404)
    return attempt(lambda: services.uninstall(group, me().id, app.id), back,
                   _("%(app)s is uninstalled.", app=app.name))


@bp.route("/admin/apps/<name:appid>/community", methods=["GET", "POST"])
@login_required
def operator_settings(appid: str) -> ResponseReturnValue:
    """Operators: the app's daily group-post quota and its review for large groups' members."""
    if not me().is_admin:
        abort(403)
    app = _app_or_none(appid)
    if app is None:
        abort(404)
    if request.method == "POST":
        raw = request.form.get("daily_posts", "").strip()
        if raw and not (raw.isdigit() and int(raw) <= 100_000):
            flash(_("The daily quota is a whole number up to 100000, or empty for the default."))
        else:
            try:
                services.set_settings(app.id, me().id, daily_posts=int(raw) if raw else None,
                                      large_groups_approved=request.form.get("large") == "yes")
                db.session.commit()
                flash(_("Saved."))
            except ZoneConnectError as exc:
                db.session.rollback()
                flash(describe(exc))
        return redirect(url_for("group_apps.operator_settings", appid=app.appid))
    return render_template("groups/operator.html", app=app,
                           settings=services.settings_for(app.id),
                           limit=services.daily_limit(app.id))

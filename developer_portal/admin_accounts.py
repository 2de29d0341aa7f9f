"""The console's accounts: search, one account's page, deactivate, ban, reinstate, and
resolving an app's openid to its account (audited with the operator's reason)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from developer_portal.blueprints import admin as bp
from developer_portal.blueprints import admin_required, me
from developer_portal.forms import AccountSearchForm, ConfirmForm, HoldForm, ResolveOpenidForm
from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.audit.models import AuditEvent
from gateway.errors import NotFound, ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.moderation import services as moderation
from gateway.moderation.errors import AccountHoldError

RECENT_EVENTS = 20
DONE = {"deactivated": _l("Deactivated: %(user)s can no longer log in."),
        "banned": _l("Banned: %(user)s can no longer log in; their live apps are suspended.")}


def _search_page(resolve_form: ResolveOpenidForm | None = None, status: int = 200
                 ) -> ResponseReturnValue:
    form = AccountSearchForm(formdata=request.args)
    found = moderation.search(form.q.data or "") if form.validate() and form.q.data else []
    return render_template("admin/accounts.html", form=form, found=found,
                           resolve_form=resolve_form or ResolveOpenidForm(),
                           holds={u.id: moderation.current(u.id) for u in found}), status


@bp.get("/accounts")
@admin_required
def accounts() -> ResponseReturnValue:
    """Search accounts by username or email; the openid form beside it."""
    return _search_page()


@bp.post("/accounts/openid")
@admin_required
def resolve_openid() -> ResponseReturnValue:
    """Whose account an app's openid is (abuse handling); audited with the reason."""
    form = ResolveOpenidForm()
    if not form.validate_on_submit():
        return _search_page(form, 400)
    try:
        resolved = moderation.resolve_openid(form.openid.data, me(), form.reason.data)
    except NotFound as exc:
        db.session.commit()  # the look-up is audited even when it finds nobody
        form.openid.errors = [exc.message()]
        return _search_page(form, 404)
    except ValidationFailed as exc:
        db.session.rollback()
        form.reason.errors = list(exc.fields.get("reason", []))
        return _search_page(form, 400)
    db.session.commit()
    flash(str(_l("openid %(openid)s is %(user)s's for the app %(app)s.")) % {
        "openid": resolved.openid, "user": resolved.user.username, "app": resolved.app.name})
    return redirect(url_for("admin.account_detail", user_id=resolved.user.id))


def render_account(user: User, status: int = 200, hold_form: HoldForm | None = None
                   ) -> ResponseReturnValue:
    """One account as the operator sees it, with its hold forms."""
    apps = list(db.session.scalars(select(App).where(App.developer_id == user.id)
                                   .order_by(App.id)))
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "user", AuditEvent.subject_id == str(user.id))
        .order_by(AuditEvent.id.desc()).limit(RECENT_EVENTS)))
    return render_template("admin/account.html", account=user, apps=apps, events=events,
                           hold=moderation.current(user.id),
                           history=moderation.history(user.id),
                           hold_form=hold_form or HoldForm(), confirm=ConfirmForm()), status


@bp.get("/accounts/<int:user_id>")
@admin_required
def account_detail(user_id: int) -> ResponseReturnValue:
    """One account: profile, hold, apps and its latest audit events."""
    return render_account(moderation.find_user(user_id))


@bp.post("/accounts/<int:user_id>/<decision>")
@admin_required
def decide_account(user_id: int, decision: str) -> ResponseReturnValue:
    """Deactivate or ban (with a reason) or reinstate an account. Audited."""
    user = moderation.find_user(user_id)
    if decision not in ("deactivate", "ban", "reinstate"):
        return render_account(user, 404)
    form = HoldForm()
    if decision != "reinstate" and not form.validate_on_submit():
        return render_account(user, 400, form)
    if decision == "reinstate" and not ConfirmForm().validate_on_submit():
        return render_account(user, 400)
    try:
        if decision == "reinstate":
            back = moderation.reinstate(user, me())
        else:
            kind = "banned" if decision == "ban" else "deactivated"
            moderation.suspend(user, me(), kind, form.reason.data)
    except (AccountHoldError, ValidationFailed) as exc:
        db.session.rollback()
        form.reason.errors = [exc.message()]
        return render_account(user, exc.status, form)
    db.session.commit()
    if decision == "reinstate":
        flash(str(_l("Reinstated: %(user)s can log in again.")) % {"user": user.username}
              + (" " + str(_l("Apps back live: %(apps)s.")) % {"apps": ", ".join(back)}
                 if back else ""))
    else:
        flash(str(DONE[kind]) % {"user": user.username})
    return redirect(url_for("admin.account_detail", user_id=user.id))

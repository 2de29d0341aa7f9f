"""The operator console: review queue, app decisions, platform figures, the audit log."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from developer_portal import charts
from developer_portal.blueprints import admin as bp
from developer_portal.blueprints import admin_required, me
from developer_portal.forms import ConfirmForm, ReasonForm
from gateway.accounts.models import User
from gateway.apps import services as app_services
from gateway.apps.models import STATUSES, App
from gateway.developers import review
from gateway.developers.errors import InvalidState
from gateway.developers.models import DeveloperProfile
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.timeutil import isoformat, utcnow
from gateway.usage import queries

FIGURE_DAYS = 30


def _figure_range() -> tuple:
    end = utcnow().date()
    return end - timedelta(days=FIGURE_DAYS - 1), end


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    """Platform figures and what waits for a decision."""
    start, end = _figure_range()
    figures = {
        "developers": db.session.scalar(select(func.count()).select_from(DeveloperProfile)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "apps": review.apps_by_status(),
    }
    series = [queries.new_authorizations(None, start, end), queries.platform_calls(start, end)]
    return render_template("admin/index.html", figures=figures, statuses=STATUSES,
                           series=series, queue=review.review_queue(),
                           permissions=review.permission_queue())


@bp.get("/figures/<name>.svg")
@admin_required
def figure_chart(name: str) -> ResponseReturnValue:
    """A platform series as an SVG chart."""
    start, end = _figure_range()
    if name == "authorizations":
        return charts.svg_response(queries.new_authorizations(None, start, end))
    if name == "platform_calls":
        return charts.svg_response(queries.platform_calls(start, end))
    return "", 404


@bp.get("/reviews")
@admin_required
def reviews() -> ResponseReturnValue:
    """Apps and permission requests waiting for a decision."""
    return render_template("admin/reviews.html", queue=review.review_queue(),
                           permissions=review.permission_queue(), confirm=ConfirmForm(),
                           reason_form=ReasonForm())


@bp.get("/apps")
@admin_required
def apps() -> ResponseReturnValue:
    """Every app, optionally of one status."""
    status = request.args.get("status", "")
    query = select(App).order_by(App.id.desc()).limit(500)
    if status in STATUSES:
        query = query.where(App.status == status)
    return render_template("admin/apps.html", apps=list(db.session.scalars(query)),
                           statuses=STATUSES, status=status)


def render_app(app: App, status: int = 200, reason_form: ReasonForm | None = None
               ) -> ResponseReturnValue:
    """The console's page of one app, with its decision forms."""
    developer = db.session.get(User, app.developer_id)
    return render_template("admin/app.html", app=app, developer=developer,
                           confirm=ConfirmForm(), reason_form=reason_form or ReasonForm(),
                           isoformat=isoformat), status


@bp.get("/apps/<appid>")
@admin_required
def app_detail(appid: str) -> ResponseReturnValue:
    """One app as the operator sees it."""
    return render_app(app_services.find_by_appid(appid))


@bp.post("/apps/<appid>/<decision>")
@admin_required
def decide(appid: str, decision: str) -> ResponseReturnValue:
    """Approve, reject, suspend or reinstate an app (reasons required to say no). Audited."""
    app = app_services.find_by_appid(appid)
    form = ReasonForm()
    needs_reason = decision in ("reject", "suspend")
    if decision not in ("approve", "reject", "suspend", "reinstate"):
        return render_app(app, 404)
    if needs_reason and not form.validate_on_submit():
        return render_app(app, 400, form)
    if not needs_reason and not ConfirmForm().validate_on_submit():
        return render_app(app, 400)
    try:
        if decision == "approve":
            review.approve_app(app, me())
        elif decision == "reject":
            review.reject_app(app, me(), form.reason.data)
        elif decision == "suspend":
            review.suspend_app(app, me(), form.reason.data)
        else:
            review.reinstate_app(app, me())
    except (InvalidState, ValidationFailed) as exc:
        db.session.rollback()
        form.reason.errors = [exc.description]
        return render_app(app, exc.status, form)
    db.session.commit()
    flash(str(DECIDED[decision]) % {"app": app.name})
    return redirect(url_for("admin.app_detail", appid=app.appid))


# What an operator reads after deciding: the outcome in plain words, not "approve done".
DECIDED = {"approve": _l("Approved: %(app)s is live."), "reject": _l("Rejected: %(app)s."),
           "suspend": _l("Suspended: %(app)s."),
           "reinstate": _l("Reinstated: %(app)s is live again.")}
PERMISSION_DECIDED = {"grant": _l("Granted: %(scope)s for %(app)s."),
                      "refuse": _l("Refused: %(scope)s for %(app)s.")}


@bp.post("/permissions/<int:permission_id>/<decision>")
@admin_required
def decide_permission(permission_id: int, decision: str) -> ResponseReturnValue:
    """Grant or refuse a permission request (a reason is required to refuse). Audited."""
    permission = review.find_permission(permission_id)
    form = ReasonForm()
    if decision not in ("grant", "refuse"):
        return render_app(permission.app, 404)
    if decision == "refuse" and not form.validate_on_submit():
        return render_app(permission.app, 400, form)
    if decision == "grant" and not ConfirmForm().validate_on_submit():
        return render_app(permission.app, 400)
    try:
        if decision == "grant":
            review.grant_permission(permission, me())
        else:
            review.refuse_permission(permission, me(), form.reason.data)
    except (InvalidState, ValidationFailed) as exc:
        db.session.rollback()
        form.reason.errors = [exc.description]
        return render_app(permission.app, exc.status, form)
    db.session.commit()
    flash(str(PERMISSION_DECIDED[decision]) % {"scope": permission.scope,
                                                "app": permission.app.name})
    return redirect(request.form.get("back") == "reviews" and url_for("admin.reviews")
                    or url_for("admin.app_detail", appid=permission.app.appid))

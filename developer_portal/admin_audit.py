"""The console's audit log: filters by action, actor and dates, with pagination."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, func, select

from developer_portal.blueprints import admin as bp
from developer_portal.blueprints import admin_required
from developer_portal.forms import AuditFilterForm
from gateway.accounts.models import User
from gateway.apps.models import FIRST_APPID, App
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.timeutil import isoformat

PAGE_SIZE = 50


def _filtered(form: AuditFilterForm) -> Select:
    query = select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data.strip())
    if form.actor.data:
        query = query.where(User.username == form.actor.data.strip())
    if form.start.data:
        query = query.where(AuditEvent.created_at >= datetime.combine(form.start.data, time.min))
    if form.end.data:
        query = query.where(AuditEvent.created_at < datetime.combine(
            form.end.data + timedelta(days=1), time.min))
    return query


@bp.get("/audit")
@admin_required
def audit_log() -> ResponseReturnValue:
    """Audit events, newest first, filtered and paginated."""
    form = AuditFilterForm(formdata=request.args)
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    if not form.validate():
        return render_template("admin/audit.html", form=form, rows=[], page=1, pages=1,
                               total=0, args={}, isoformat=isoformat), 400
    query = _filtered(form)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    rows = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)
                              .offset((page_number - 1) * PAGE_SIZE)).all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    actions = list(db.session.scalars(select(AuditEvent.action).distinct()
                                      .order_by(AuditEvent.action)))
    return render_template("admin/audit.html", form=form, rows=rows, page=page_number,
                           pages=pages, total=total, args=args, actions=actions,
                           isoformat=isoformat, appids=_appids(rows))


def _appids(rows: Sequence[Any]) -> dict[str, str]:
    """Events recorded before apps were named by appid (a row id such as "1"): their appids,
    so the log says what every other page says."""
    ids = {int(e.subject_id) for e, _ in rows if e.subject_type == "app" and e.subject_id
           and e.subject_id.isdigit() and int(e.subject_id) < FIRST_APPID}
    if not ids:
        return {}
    found = db.session.execute(select(App.id, App.appid).where(App.id.in_(ids))).all()
    return {str(row_id): appid for row_id, appid in found if appid}

"""/developer/apps/<appid>/auth-events: the app's authorization and token events, and CSV."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue

from gateway.accounts.sessions import current_user
from gateway.accounts.views import login_required
from gateway.apps.models import App
from gateway.authlog import services
from gateway.authlog.models import KINDS, OUTCOMES
from gateway.developers.services import own_app
from gateway.timeutil import isoformat

bp = Blueprint("developer_auth_events", __name__, url_prefix="/developer/apps",
               template_folder="templates")
PAGE = 100


def _own(appid: str) -> App:
    """The logged-in developer's app; anybody else's, or none, is a 404 (AppNotFound)."""
    user = current_user()
    assert user is not None  # behind login_required
    return own_app(user, appid)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def parse_filter(args: Mapping[str, str]) -> services.EventFilter:
    """The filter from query arguments; anything unknown or malformed is simply ignored."""
    return services.EventFilter(
        kind=args.get("kind") if args.get("kind") in KINDS else None,
        outcome=args.get("outcome") if args.get("outcome") in OUTCOMES else None,
        reason=(args.get("reason") or "").strip()[:64] or None,
        openid=(args.get("openid") or "").strip().upper()[:32] or None,
        days=_int(args.get("days")), before_id=_int(args.get("before")))


@bp.get("/<appid>/auth-events")
@login_required
def list_events(appid: str) -> ResponseReturnValue:
    """The newest authorization and token events of the app, filtered."""
    app = _own(appid)
    chosen = parse_filter(request.args)
    events = services.events_for_app(app.id, chosen, PAGE)
    more = events[-1].id if len(events) == PAGE else None
    return render_template("auth_events/list.html", app=app, events=events, chosen=chosen,
                           kinds=KINDS, outcomes=OUTCOMES, more=more,
                           reasons=services.reasons_for_app(app.id),
                           retention=services.retention_days(), isoformat=isoformat,
                           args={k: v for k, v in request.args.items() if k != "before"})


@bp.get("/<appid>/auth-events.csv")
@login_required
def export_events(appid: str) -> ResponseReturnValue:
    """The filtered log as CSV (UTF-8), newest first."""
    app = _own(appid)
    chosen = parse_filter(request.args)
    lines = stream_with_context(services.csv_lines(app.id, chosen))
    return Response(lines, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="auth-events-{app.appid}.csv"',
        "Cache-Control": "no-store"})

"""An app's statistics: charts (SVG images), tables and CSV per series."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from developer_portal import charts
from developer_portal.blueprints import developer as bp
from developer_portal.blueprints import developer_required, me
from developer_portal.forms import DateRangeForm
from gateway.apps.models import App
from gateway.developers import services
from gateway.errors import ValidationFailed
from gateway.i18n import _l
from gateway.timeutil import utcnow
from gateway.usage import queries


def range_form() -> DateRangeForm:
    """The ?from=&to= range form, bound to the query string."""
    args = {"start": request.args.get("from", ""), "end": request.args.get("to", "")}
    return DateRangeForm(formdata=MultiDict({k: v for k, v in args.items() if v}))


def stats_range() -> tuple[date, date]:
    """The validated range (default: the last 30 days), or ValidationFailed (422)."""
    form = range_form()
    if not form.validate_range(utcnow().date()):
        raise ValidationFailed({k: list(v) for k, v in form.errors.items()},
                               _l("Choose a valid date range."))
    return form.span(utcnow().date())


def _series(app: App, name: str, start: date, end: date) -> queries.Series:
    if name not in queries.APP_SERIES:
        abort(404)
    return queries.app_series(name, app.id, start, end)


@bp.get("/apps/<appid>/stats")
@developer_required
def stats(appid: str) -> ResponseReturnValue:
    """Authorizations, active users, API calls, errors and shares of one app over a range."""
    app = services.own_app(me(), appid)
    form = range_form()
    if not form.validate_range(utcnow().date()):
        return render_template("developer_portal/stats.html", app=app, form=form, series=[],
                               start=None, end=None), 400
    start, end = form.span(utcnow().date())
    series = [_series(app, name, start, end) for name in queries.APP_SERIES]
    return render_template("developer_portal/stats.html", app=app, form=form, series=series,
                           start=start.isoformat(), end=end.isoformat())


@bp.get("/apps/<appid>/stats/<name>.svg")
@developer_required
def stats_chart(appid: str, name: str) -> ResponseReturnValue:
    """One series as an SVG chart."""
    app = services.own_app(me(), appid)
    start, end = stats_range()
    return charts.svg_response(_series(app, name, start, end))


@bp.get("/apps/<appid>/stats/<name>.csv")
@developer_required
def stats_csv(appid: str, name: str) -> ResponseReturnValue:
    """One series as CSV."""
    app = services.own_app(me(), appid)
    start, end = stats_range()
    return charts.csv_response(_series(app, name, start, end),
                               f"{app.appid}-{name}-{start}-{end}.csv")

"""The one chart style of the portal and console: server-drawn pygal SVG, no script, no CDN.

Every chart (stats, admin figures, revenue) is drawn by `line_chart` or `bar_chart` with the
same palette, fonts and integer y ticks, and shown as an image: an SVG image runs no script and
its own inline styles do not touch the page's strict CSP.
"""

from __future__ import annotations

import base64
import csv
import io
import math
import re
from collections.abc import Sequence
from datetime import date

import pygal
from flask import Response
from markupsafe import Markup, escape
from pygal.style import Style

from gateway.i18n import _, short_day
from gateway.usage.queries import Series

# The SVG is served as an image with a CSP of its own: pygal styles its elements inline.
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
WIDTH, HEIGHT = 960, 340
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
# The palette of style.css: brand blue first, then colours that stay apart for colour-blind eyes.
STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1d2330",
    foreground_strong="#1d2330", foreground_subtle="#dde2ec", opacity=".9",
    opacity_hover="1", transition="none",
    colors=("#1769e0", "#e8710a", "#1e8e3e", "#a142f4", "#d93025", "#0b8c9e"),
    font_family=FONT, label_font_family=FONT, major_label_font_family=FONT,
    legend_font_family=FONT, no_data_font_family=FONT, title_font_family=FONT,
    label_font_size=15, major_label_font_size=15, legend_font_size=15, title_font_size=17,
    value_font_size=14, tooltip_font_size=14, no_data_font_size=22,
    stroke_width=2.5, stroke_width_hover=3, guide_stroke_color="#e4e8f0",
    major_guide_stroke_color="#e4e8f0", guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
)


def integer_ticks(top: float, most: int = 6) -> list[int]:
    """Whole-number y ticks from 0 covering `top`, at most `most`+1 of them, in 1-2-5 steps."""
    if top <= 0:
        return [0, 1]
    step = 1
    while math.ceil(top / step) > most:
        step = _next_step(step)
    return list(range(0, step * math.ceil(top / step) + 1, step))


def _next_step(step: int) -> int:
    # 1, 2, 5, 10, 20, 50, ...
    head = int(str(step)[0])
    return step * 5 // 2 if head == 2 else step * 2


def _config(ticks: list[int] | None, *, legend: bool) -> dict[str, object]:
    # Without a series pygal draws "no data" and cannot place y labels, so give it none.
    scale = ({"y_labels": ticks, "range": (0, ticks[-1])} if ticks
             else {"show_y_labels": False, "show_y_guides": False})
    return scale | {
        "style": STYLE, "width": WIDTH, "height": HEIGHT, "js": [],
        "disable_xml_declaration": True, "classes": ["pygal-chart", "chart"],
        "show_legend": legend, "legend_at_bottom": True, "legend_at_bottom_columns": 4,
        "truncate_legend": -1,
        "show_minor_x_labels": False, "x_label_rotation": 0, "margin": 16,
        "margin_bottom": 28 if legend else 16, "truncate_label": -1,
        "spacing": 14, "no_data_text": _("No data yet"), "print_values": False,
    }


def _render(chart: pygal.graph.graph.Graph) -> bytes:
    rendered = chart.render()
    svg_text = rendered if isinstance(rendered, str) else rendered.decode("utf-8")
    # pygal always embeds a config <script> for its optional tooltips; nothing here needs it.
    return SCRIPT.sub("", svg_text).encode("utf-8")


def _day_labels(days: Sequence[date]) -> tuple[list[str], list[str]]:
    labels = [short_day(d) for d in days]
    return labels, labels[:: max(1, math.ceil(len(labels) / 8))]


def line_chart(days: Sequence[date], lines: dict[str, list[int]]) -> bytes:
    """Daily counts as a line chart: short date labels, whole-number ticks, legend below."""
    top = max((max(values, default=0) for values in lines.values()), default=0)
    ticks = integer_ticks(top) if any(lines.values()) else None
    chart = pygal.Line(**_config(ticks, legend=len(lines) > 1),
                       show_dots=len(days) <= 45, dots_size=3, fill=False)
    chart.x_labels, chart.x_labels_major = _day_labels(days)
    for name, values in lines.items():
        chart.add(name, values)
    return _render(chart)


def bar_chart(labels: Sequence[str], values: Sequence[float], name: str) -> bytes:
    """One series as bars (e.g. money per month in major units), whole-number ticks."""
    ticks = integer_ticks(max(values)) if values else None
    chart = pygal.Bar(**_config(ticks, legend=False))
    chart.x_labels = chart.x_labels_major = list(labels)
    if values:
        chart.add(name, list(values))
    return _render(chart)


def svg(series: Series) -> bytes:
    """The series as a line chart in SVG (no JavaScript, no XML declaration)."""
    return line_chart(series.days, {_(name): values for name, values in series.lines.items()})


def data_image(svg_bytes: bytes, alt: str) -> Markup:
    """An <img> carrying the SVG as a data: URL (allowed by img-src), for charts drawn inline."""
    src = "data:image/svg+xml;base64," + base64.b64encode(svg_bytes).decode("ascii")
    return Markup(f'<img class="chart" src="{src}" alt="{escape(alt)}" '
                  f'width="{WIDTH}" height="{HEIGHT}">')


def svg_response(series: Series) -> Response:
    """An image/svg+xml response that may not run anything."""
    response = Response(svg(series), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


def csv_response(series: Series, filename: str) -> Response:
    """The series as CSV (day, then one column per line) for download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("day"), *(_(name) for name in series.lines)])
    writer.writerows(series.rows())
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

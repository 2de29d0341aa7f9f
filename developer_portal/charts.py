"""Server-drawn SVG charts (pygal) and CSV of the same series: no script, no CDN."""

from __future__ import annotations

import csv
import io
import re

import pygal
from flask import Response

from gateway.usage.queries import Series

# The SVG is served as an image with a CSP of its own: pygal styles its elements inline.
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def svg(series: Series) -> bytes:
    """The series as a line chart in SVG (no JavaScript, no XML declaration)."""
    config = pygal.Config(js=[], disable_xml_declaration=True)
    config.classes = ["pygal-chart", "chart"]
    chart = pygal.Line(config, title=series.title, width=760, height=300,
                       show_dots=len(series.days) <= 62, x_label_rotation=30,
                       show_minor_x_labels=False, truncate_legend=30, margin=12,
                       no_data_text="No data in this range")
    labels = [d.isoformat() for d in series.days]
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 8)]
    for name, values in series.lines.items():
        chart.add(name, values)
    rendered = chart.render()
    svg_text = rendered if isinstance(rendered, str) else rendered.decode("utf-8")
    # pygal always embeds a config <script> for its optional tooltips; nothing here needs it.
    return SCRIPT.sub("", svg_text).encode("utf-8")


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
    writer.writerow(["day", *series.lines])
    writer.writerows(series.rows())
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

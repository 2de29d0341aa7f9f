"""The earnings chart, rendered on the server as inline SVG with no scripts."""

from __future__ import annotations

import re

import pygal
from markupsafe import Markup

# pygal embeds a config <script> and a <style> even with js=[]; the CSP (no inline scripts or
# styles) would block both, so they are removed from our own generated SVG.
_BLOCKED = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|\sstyle=\"[^\"]*\"", re.S)


def earnings_svg(rows: list[dict[str, int | str]], minor_per_major: int = 100) -> Markup:
    """A bar chart of the developer's net earnings per month (major units)."""
    by_month: dict[str, int] = {}
    for row in rows:
        by_month[str(row["month"])] = by_month.get(str(row["month"]), 0) + int(row["developer"])
    months = sorted(by_month)
    chart = pygal.Bar(disable_xml_declaration=True, js=[], show_legend=False, height=300,
                      title="Net earnings by month", no_data_text="No settled month yet")
    chart.x_labels = months
    chart.add("Net", [by_month[m] / minor_per_major for m in months])
    svg = _BLOCKED.sub("", chart.render(is_unicode=True))
    return Markup(svg)  # noqa: S704 - pygal output from our own numbers, scripts removed

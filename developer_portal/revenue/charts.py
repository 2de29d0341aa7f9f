"""The earnings chart: the portal's shared bar chart, shown as a script-free SVG image."""

from __future__ import annotations

from markupsafe import Markup

from developer_portal.charts import bar_chart, data_image
from gateway.i18n import _


def earnings_svg(rows: list[dict[str, int | str]], minor_per_major: int = 100) -> Markup:
    """A bar chart of the developer's net earnings per month (major units), as an <img>."""
    by_month: dict[str, int] = {}
    for row in rows:
        by_month[str(row["month"])] = by_month.get(str(row["month"]), 0) + int(row["developer"])
    months = sorted(by_month)
    svg = bar_chart(months, [by_month[m] / minor_per_major for m in months], _("Net earnings"))
    return data_image(svg, _("Net earnings by month"))

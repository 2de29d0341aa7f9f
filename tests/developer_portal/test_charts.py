"""The shared chart style: whole-number ticks, script-free SVG, and no crash on an empty range."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta

from developer_portal.charts import bar_chart, data_image, integer_ticks, line_chart


def test_integer_ticks_are_whole_numbers_in_1_2_5_steps() -> None:
    assert integer_ticks(0) == [0, 1]
    assert integer_ticks(1) == [0, 1]
    assert integer_ticks(0.4) == [0, 1]
    assert integer_ticks(6) == [0, 1, 2, 3, 4, 5, 6]
    assert integer_ticks(7) == [0, 2, 4, 6, 8]
    assert integer_ticks(99) == [0, 20, 40, 60, 80, 100]
    assert integer_ticks(1234) == [0, 500, 1000, 1500]


def test_small_counts_get_no_fractional_axis_labels() -> None:
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    svg = line_chart(days, {"DAU": [0] * 29 + [1]}).decode()
    labels = re.findall(r'<text[^>]*class="[^"]*"[^>]*>([0-9.]+)</text>', svg)
    assert "1" in labels and not [v for v in labels if "." in v]
    assert "<script" not in svg and 'class="pygal-chart chart"' in svg
    assert "Nov 01" in svg  # short day labels, not ISO dates squeezed under the axis


def test_empty_charts_render_a_no_data_message() -> None:
    assert b"No data yet" in line_chart([date(2026, 1, 1)], {})
    assert b"No data yet" in bar_chart([], [], "Net")


def test_data_image_is_an_img_the_page_csp_allows() -> None:
    html = str(data_image(bar_chart(["2026-03"], [30.0], "Net"), 'Net "earnings"'))
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert src is not None and 'alt="Net &#34;earnings&#34;"' in html
    assert b"2026-03" in base64.b64decode(src.group(1))

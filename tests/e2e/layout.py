"""Layout checks on element bounding boxes (not pixels): no page wider than the screen, no label
or button split over lines, no word set one letter a line, no content clipped by its box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

WIDTHS = (375, 1280)

# The check runs in the page and returns a list of human-readable problems.
LAYOUT_PROBLEMS = (Path(__file__).parent / "layout.js").read_text()


def check_layout(tab: Any, shots: Path, name: str) -> list[str]:
    """Screenshot the page at each width (saved under `shots`) and return its layout problems."""
    found = []
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 900})
        tab.wait_for_timeout(50)
        shots.mkdir(parents=True, exist_ok=True)
        path = shots / f"{name}-{width}.png"
        tab.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        found += [f"{name} at {width}px: {p}" for p in tab.evaluate(LAYOUT_PROBLEMS)]
    return found

"""Layout checks on element bounding boxes (not pixels): no page wider than the screen, no label
or button split over lines, no word set one letter a line, no content clipped by its box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

WIDTHS = (375, 1280)

# Returns a list of human-readable problems found on the current page.
LAYOUT_PROBLEMS = """
() => {
  const problems = [];
  const describe = (el) => {
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ");
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
           `${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""}` +
           ` "${text.slice(0, 40)}"`;
  };
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none";
  };
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set();
    for (const r of range.getClientRects()) { if (r.width > 0) tops.add(Math.round(r.top / 4)); }
    return tops.size;
  };
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) {
    problems.push(`page is ${root.scrollWidth}px wide on a ${window.innerWidth}px screen`);
  }
  // Labels that must stay on one line: buttons, navigation, badges, headings of tables.
  const oneLine = "button, .button, .topbar nav a, .portal-nav a, .portal-nav-title, .status, th";
  for (const el of document.querySelectorAll(oneLine)) {
    if (visible(el) && (el.innerText || "").trim() && lines(el) > 1) {
      problems.push(`wraps over ${lines(el)} lines: ${describe(el)}`);
    }
  }
  // Vertical text: a text of several characters stacked a letter or two per line.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (text.length < 4 || !el || !visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    const size = parseFloat(getComputedStyle(el).fontSize) || 16;
    const widest = Math.max(0, ...rects.map((r) => r.width));
    if (rects.length >= 3 && widest < 2.2 * size && text.replace(/\\s/g, "").length > rects.length / 2) {
      problems.push(`vertical text (${rects.length} lines, ${Math.round(widest)}px wide): ${describe(el)}`);
    }
  }
  // Clipped: a box that hides part of its content (scrolling blocks of code and tables aside).
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el) || el.closest("pre, .table-wrap, .chart-frame, table, textarea, select")) continue;
    const style = getComputedStyle(el);
    const clips = ["hidden", "clip", "auto", "scroll"].includes(style.overflowX);
    if (clips && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`clipped (${el.scrollWidth}px in ${el.clientWidth}px): ${describe(el)}`);
    }
  }
  return problems;
}
"""


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

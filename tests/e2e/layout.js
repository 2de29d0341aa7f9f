() => {
  // The layout check of tests/e2e/layout.py: readable problems found on this page.
  const problems = [];
  const describe = (el) => {
    const text = (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ");
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
           `${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""}` +
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
    if (rects.length >= 3 && widest < 2.2 * size && text.replace(/\s/g, "").length > rects.length / 2) {
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

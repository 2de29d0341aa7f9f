"""Every relative link in the repository's Markdown files points at a file in the repository,
and no page sends readers to specifications kept outside it (../shared/spec)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)
OUTSIDE = re.compile(r"(?:\.\./)*shared/spec/|(?<![\w/.])spec/[\w-]+\.md")


def markdown_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.split()
    return [ROOT / name for name in listed] or sorted(ROOT.glob("*.md"))


def relative_targets(text: str) -> list[str]:
    """Link targets that are paths (not URLs, mail or in-page anchors), code blocks left out."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    found = LINK.findall(text) + REFERENCE.findall(text)
    return [t for t in found if not re.match(r"^([a-z][a-z0-9+.-]*:|#|//)", t, re.I)]


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in relative_targets(page.read_text()):
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        resolved = (page.parent / path).resolve()
        if not resolved.exists() or ROOT not in (resolved, *resolved.parents):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_points_outside_the_repository(page: Path) -> None:
    assert OUTSIDE.findall(page.read_text()) == []


def test_the_checker_sees_broken_links() -> None:
    assert relative_targets("[a](docs/x.md) [b](https://x) [c](#top) ![i](img.png)\n"
                            "[r]: ../y.md\n```\n[z](in-code.md)\n```") == [
        "docs/x.md", "img.png", "../y.md"]
    assert OUTSIDE.findall("see `../shared/spec/revenue.md` and `spec/qq-connect-wire.md`")
    assert not OUTSIDE.findall("see docs/qq-connect-wire.md")

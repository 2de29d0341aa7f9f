"""docs/integrate.md as data: its fenced code blocks, in order, with what each one is for.

The info string after the language says how the test uses a block: `file=NAME` (saved as NAME),
`setup=NAME` (`export` lines whose values the test supplies: they are placeholders for the
reader), `server` (started in the background), `person=NAME` (what a person does in a browser:
the test does it), `norun=WHY`; any other `sh` block is run by bash as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integrate.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.M | re.S)


@dataclass
class Block:
    """One fenced block of the guide."""

    lang: str
    body: str
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        for name in ("file", "setup", "server", "person", "norun"):
            if name in self.attrs:
                return name
        return "run" if self.lang == "sh" else "text"


def blocks(text: str | None = None) -> list[Block]:
    """Every fenced block of the guide, in order."""
    found = []
    for lang, info, body in FENCE.findall(GUIDE.read_text() if text is None else text):
        attrs = dict(item.partition("=")[::2] for item in info.split())
        found.append(Block(lang=lang, body=body, attrs=attrs))
    return found


def exported_names(block: Block) -> list[str]:
    """The names a setup block exports (each of its lines must be one `export NAME=...`)."""
    names = []
    for line in block.body.strip().splitlines():
        match = re.fullmatch(r"export (\w+)=\S+(\s+#.*)?", line.strip())
        assert match, f"a setup block may only export placeholders: {line!r}"
        names.append(match.group(1))
    return names

"""App names shown on consent pages may not pass for the platform itself (consent phishing):
"ZoneConnect", "Zone-Connect", "Z0NE CONNECT", "ＺｏｎｅＣｏｎｎｅｃｔ 安全中心" are refused."""

from __future__ import annotations

import re
import unicodedata

from gateway.i18n import _

PLATFORM_NAMES = ("zoneconnect",)
# Look-alike characters an attacker swaps in (after NFKC folding has undone full-width forms).
HOMOGLYPHS = str.maketrans({"0": "o", "1": "l", "3": "e", "|": "l", "ο": "o", "о": "o",
                            "е": "e", "с": "c", "ո": "n", "τ": "t"})


def _folded(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().translate(HOMOGLYPHS)
    return re.sub(r"[\W_]+", "", text)


def imitation_problem(name: str) -> str | None:
    """Why an app may not be called `name` (translated), or None."""
    folded = _folded(name)
    if any(brand in folded for brand in PLATFORM_NAMES):
        return _("An app name may not imitate the platform's name (ZoneConnect).")
    return None

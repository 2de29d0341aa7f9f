"""`/docs/integrate`: docs/integrate.md ("integrate in ten minutes") rendered, with this
platform's real base URL in place of the guide's `http://127.0.0.1:8000`."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from markdown_it import MarkdownIt
from markupsafe import Markup

from gateway.errors import NotFound
from gateway.i18n import _
from gateway.openapi.profile import base_url

bp = Blueprint("guide", __name__)
GUIDE = "integrate.md"
GUIDE_BASE_URL = "http://127.0.0.1:8000"


def guide_path() -> Path | None:
    """docs/integrate.md of the repository (or of the working directory, as in the image)."""
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        candidate = root / "docs" / GUIDE
        if candidate.is_file():
            return candidate
    return None


def render_guide(text: str, platform_url: str) -> Markup:
    """The guide as HTML (raw HTML in the source is escaped, not passed through)."""
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(
        text.replace(GUIDE_BASE_URL, platform_url))
    return Markup(html)  # noqa: S704 - markdown-it escapes every text and attribute


@bp.get("/docs/integrate")
def integrate() -> ResponseReturnValue:
    """Integrate in ten minutes: register, test as a draft, log in, call the API, webhooks."""
    path = guide_path()
    if path is None:
        raise NotFound(_("The integration guide is not installed on this server."))
    return render_template("docs/integrate.html", guide=render_guide(
        path.read_text(encoding="utf-8"), base_url()))

"""Share pages: the share intent `/share`, a user's space `/space/<username>`, button docs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.accounts.views import login_required
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.friends import services as friends
from gateway.openapi.profile import base_url
from gateway.shares import services
from gateway.shares.models import TITLE_MAX
from gateway.usage.recorder import record_share

bp = Blueprint("shares", __name__)
PAGE_SIZE = 20


def _intent_fields() -> dict[str, Any]:
    """The shared link from the intent URL (`pics` separated by "|", as QQ's button sends)."""
    args = request.args
    url = args.get("url", "")
    pics = args.get("pics", "")
    return {"url": url, "title": args.get("title") or url[:TITLE_MAX],
            "summary": args.get("summary", ""), "site": args.get("site", ""),
            "images": [p for p in pics.split("|") if p] if pics else [],
            "comment": request.form.get("comment", "") if request.method == "POST" else ""}


@bp.route("/share", methods=["GET", "POST"])
def intent() -> ResponseReturnValue:
    """The share intent: preview the link, then confirm (anonymous users log in first)."""
    user = sessions.current_user()
    if user is None:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    try:
        fields = services.parse_share(_intent_fields())
    except ValidationFailed as exc:
        return render_template("shares/intent.html", fields=None, errors=exc.fields), 422
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            return render_template("shares/done.html", shared=False)
        share = services.create(user.id, None, fields, "button")
        db.session.commit()
        record_share(None, share.site, "button")
        return render_template("shares/done.html", shared=True, user=user)
    return render_template("shares/intent.html", fields=fields, errors=None, user=user)


def _safe_href(url: str | None) -> str | None:
    """Only http(s) links are rendered as links (an app's website is developer input)."""
    if not url:
        return None
    return url if urlsplit(url).scheme in {"http", "https"} else None


@bp.get("/space")
@login_required
def my_space() -> ResponseReturnValue:
    """Your own space: where "My space" and apps' "see it in your feed" links land."""
    user = sessions.current_user()
    assert user is not None
    return redirect(url_for("shares.space", username=user.username))


@bp.get("/space/<name:username>")
def space(username: str) -> ResponseReturnValue:
    """A user's feed: public or friends-only (owner and friends); never shown to blocked users."""
    owner = db.session.scalar(select(User).where(User.username == username[:64]))
    if owner is None or not owner.is_active:
        abort(404)
    viewer = sessions.current_user()
    is_owner = viewer is not None and viewer.id == owner.id
    visible = friends.can_see(viewer.id if viewer else None, owner.id, owner.feed_visibility)
    relation = friends.relation(viewer.id, owner.id) if viewer is not None else None
    before_raw = request.args.get("before", "")
    before = int(before_raw) if before_raw.isdigit() and len(before_raw) <= 18 else None
    entries: list[Any] = []
    has_more = False
    if visible:
        rows, has_more = services.feed(owner.id, PAGE_SIZE, before)
        entries = [{"share": s, "app": a, "app_href": _safe_href(a.website if a else None)}
                   for s, a in rows]
    return render_template("space/feed.html", owner=owner, is_owner=is_owner, visible=visible,
                           entries=entries, has_more=has_more, relation=relation)


@bp.get("/docs/share-button")
def share_button_docs() -> ResponseReturnValue:
    """How to put the share button on a site: a copy-paste snippet."""
    return render_template("docs/share_button.html", base=base_url())

"""Creating, listing and deleting shares, and reading a user's feed. Flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from marshmallow import ValidationError
from sqlalchemy import select

from gateway.apps.models import App
from gateway.errors import NotFound, ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.shares.models import SITE_MAX, Share
from gateway.shares.schemas import ShareCreateSchema
from gateway.timeutil import isoformat

_create_schema = ShareCreateSchema()


def parse_share(data: Any) -> dict[str, Any]:
    """Validate a share body; raise ValidationFailed (422) naming every bad field."""
    if not isinstance(data, Mapping):
        raise ValidationFailed({"body": [_l("Send a JSON object.")]})
    try:
        loaded: dict[str, Any] = _create_schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
        raise ValidationFailed({str(k): _flatten(v) for k, v in messages.items()}) from exc
    if not loaded["site"]:
        loaded["site"] = (urlsplit(loaded["url"]).hostname or "")[:SITE_MAX]
    return loaded


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [msg for inner in value.values() for msg in _flatten(inner)]
    if isinstance(value, list):
        return [msg for inner in value for msg in _flatten(inner)]
    return [str(value)]


def create(user_id: int, app_id: int | None, fields: dict[str, Any], source: str) -> Share:
    """Store a validated share (from `parse_share`) in the user's feed."""
    share = Share(user_id=user_id, app_id=app_id, source=source, **fields)
    db.session.add(share)
    db.session.flush()
    return share


def _page(query: Any, limit: int, before: int | None) -> tuple[list[Share], bool]:
    if before is not None:
        query = query.where(Share.id < before)
    rows = list(db.session.scalars(query.order_by(Share.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def list_for_app(user_id: int, app_id: int, limit: int = 20,
                 before: int | None = None) -> tuple[list[Share], bool]:
    """What this app posted for this user, newest first, and whether more exist."""
    query = select(Share).where(Share.user_id == user_id, Share.app_id == app_id)
    return _page(query, limit, before)


def delete_for_app(user_id: int, app_id: int, share_id: int) -> None:
    """Delete a share this app posted for this user (404 for anything else)."""
    share = db.session.get(Share, share_id)
    if share is None or share.user_id != user_id or share.app_id != app_id:
        raise NotFound(_l("No such share among those this app posted for this user."))
    db.session.delete(share)
    db.session.flush()


def feed(user_id: int, limit: int = 20,
         before: int | None = None) -> tuple[list[tuple[Share, App | None]], bool]:
    """A user's feed with the app that posted each share, newest first."""
    query = select(Share, App).outerjoin(App, App.id == Share.app_id).where(
        Share.user_id == user_id)
    if before is not None:
        query = query.where(Share.id < before)
    rows = db.session.execute(query.order_by(Share.id.desc()).limit(limit + 1)).all()
    return [(s, a) for s, a in rows[:limit]], len(rows) > limit


def to_json(share: Share) -> dict[str, Any]:
    """A share as the REST API answers it."""
    return {"id": str(share.id), "title": share.title, "url": share.url,
            "summary": share.summary, "comment": share.comment, "images": list(share.images),
            "site": share.site, "fromurl": share.fromurl,
            "created_at": isoformat(share.created_at)}

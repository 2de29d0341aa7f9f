"""Shares over the open API: legacy `POST /share/add_share` and REST `/api/v1/shares`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import ValidationError

from gateway.errors import NotFound, ValidationFailed
from gateway.extensions import csrf
from gateway.i18n import _l
from gateway.oauth.services import AccessContext
from gateway.openapi.guard import legacy_json, protected
from gateway.shares import services
from gateway.shares.schemas import ShareListQuerySchema
from gateway.usage.recorder import record_share

legacy_bp = Blueprint("shares_legacy", __name__)
api_bp = Blueprint("shares_api", __name__, url_prefix="/api/v1/shares")
csrf.exempt(legacy_bp)
csrf.exempt(api_bp)

LEGACY_FIELDS = ("title", "url", "comment", "summary", "site", "fromurl")
# Share ids are 32-bit integers: a bigger number in a query must not reach PostgreSQL (a 500).
MAX_SHARE_ID = 2**31 - 1


def _legacy_body() -> dict[str, Any]:
    """The known add_share parameters (unknown ones are ignored, as QQ clients expect)."""
    body: dict[str, Any] = {k: request.values[k] for k in LEGACY_FIELDS if k in request.values}
    images = request.values.get("images", "")
    # QQ separates several image URLs with "|".
    body["images"] = [part for part in images.split("|") if part] if images else []
    return body


@legacy_bp.post("/share/add_share")
@protected("add_share", ("add_share",), legacy=True)
def add_share(ctx: AccessContext) -> Response:
    """QQ add_share: share a link to the user's feed (`{"ret":0,"msg":"","share_id":"..."}`)."""
    assert ctx.user_id is not None
    share = services.create(ctx.user_id, ctx.app_id, services.parse_share(_legacy_body()), "api")
    record_share(ctx.app_id, share.site, "api")
    return legacy_json({"ret": 0, "msg": "", "share_id": str(share.id)})


@api_bp.post("")
@protected("add_share", ("add_share",), legacy=False)
def create_share(ctx: AccessContext) -> Response | tuple[Response, int]:
    """Share a link to the user's feed; 201 with the share."""
    assert ctx.user_id is not None
    body = request.get_json(silent=True)
    share = services.create(ctx.user_id, ctx.app_id, services.parse_share(body), "api")
    record_share(ctx.app_id, share.site, "api")
    return jsonify(services.to_json(share)), 201


@api_bp.get("")
@protected("list_shares", ("add_share",), legacy=False)
def list_shares(ctx: AccessContext) -> Response:
    """What this app shared for this user, newest first (`before` is the last id seen)."""
    assert ctx.user_id is not None
    try:
        query = ShareListQuerySchema().load(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed({k: list(v) for k, v in exc.messages.items()}) from exc  # type: ignore[union-attr]
    before = int(query["before"]) if query["before"] else None
    if before is not None and before > MAX_SHARE_ID:  # beyond every id: no upper bound
        before = None
    shares, has_more = services.list_for_app(ctx.user_id, ctx.app_id, query["limit"], before)
    return jsonify({"data": [services.to_json(s) for s in shares], "has_more": has_more})


@api_bp.delete("/<share_id>")
@protected("delete_share", ("add_share",), legacy=False)
def delete_share(ctx: AccessContext, share_id: str) -> tuple[str, int]:
    """Delete a share this app posted for this user; 204."""
    assert ctx.user_id is not None
    if not share_id.isdigit() or len(share_id) > 18 or int(share_id) > MAX_SHARE_ID:
        raise NotFound(_l("No such share among those this app posted for this user."))
    services.delete_for_app(ctx.user_id, ctx.app_id, int(share_id))
    return "", 204

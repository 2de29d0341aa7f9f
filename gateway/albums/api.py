"""The QQ photo methods (`/photo/*`, HTTP 200 ret/msg bodies) and REST `/api/v1/albums`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from gateway.albums import services, wire
from gateway.albums.schemas import PhotoUploadSchema
from gateway.errors import ValidationFailed
from gateway.extensions import csrf
from gateway.i18n import _
from gateway.oauth.services import AccessContext
from gateway.openapi.guard import legacy_error, legacy_json, protected, rest_error
from gateway.uploads import PayloadTooLarge

legacy_bp = Blueprint("albums_legacy", __name__)
api_bp = Blueprint("albums_api", __name__, url_prefix="/api/v1/albums")
csrf.exempt(legacy_bp)
csrf.exempt(api_bp)
UPLOADS = {"albums_legacy.upload_pic", "albums_api.upload_photo"}


def _body_limit() -> int:
    return int(current_app.config["ZC_PHOTO_MAX_BYTES"]) + 64 * 1024  # the text fields too


def _too_large(legacy: bool) -> Response | None:
    """Uploads may be bigger than the platform's default body limit; others are not."""
    if request.endpoint not in UPLOADS:
        return None
    limit = _body_limit()
    if request.content_length is not None and request.content_length > limit:
        exc = PayloadTooLarge(int(current_app.config["ZC_PHOTO_MAX_BYTES"]))
        return legacy_error(exc) if legacy else rest_error(exc)
    return None


legacy_bp.before_request(lambda: _too_large(True))
api_bp.before_request(lambda: _too_large(False))


def _uid(ctx: AccessContext) -> int:
    assert ctx.user_id is not None  # the guard refuses tokens that speak for no user
    return ctx.user_id


def _picture(name: str) -> Any:
    upload = request.files.get(name)
    if upload is None:
        raise ValidationFailed({name: [_("Attach the picture as a multipart file part.")]})
    return upload.stream


def _upload(ctx: AccessContext, album_key: str | None, fields: dict[str, Any],
            part: str) -> tuple[Any, Any]:
    album = services.owned_album(_uid(ctx), album_key) if album_key else \
        services.default_album(_uid(ctx), ctx.app_id)
    photo = services.add_photo(album, _uid(ctx), _picture(part), app_id=ctx.app_id, **fields)
    return album, photo


# ---- QQ-compatible methods -------------------------------------------------------------


@legacy_bp.route("/photo/list_album", methods=["GET", "POST"])
@protected("list_album", ("list_album",), legacy=True)
def list_album(ctx: AccessContext) -> Response:
    """QQ list_album: `albumnum` and `album[]` of the user's albums."""
    albums = services.albums_of(_uid(ctx))
    covers = services.covers(albums)
    return legacy_json({"ret": 0, "msg": "", "albumnum": len(albums),
                        "album": [wire.qq_album(a, covers.get(a.id)) for a in albums]})


@legacy_bp.route("/photo/add_album", methods=["POST"])
@protected("add_album", ("add_album",), legacy=True)
def add_album(ctx: AccessContext) -> Response:
    """QQ add_album: `albumname`, `albumdesc`, `priv` (1, 3, 4, 5 + question/answer)."""
    values = request.values
    privacy = wire.PRIV_FROM_QQ.get(values.get("priv", "1"))
    if privacy is None:
        raise ValidationFailed({"priv": [_("Use 1 (public), 3 (only me), 4 (friends) or 5.")]})
    album = services.create_album(_uid(ctx), {
        "name": values.get("albumname", ""), "description": values.get("albumdesc", ""),
        "privacy": privacy, "question": values.get("question", ""),
        "answer": values.get("answer", "")}, app_id=ctx.app_id)
    return legacy_json({"ret": 0, "msg": "", **wire.qq_album(album, None)})


@legacy_bp.route("/photo/upload_pic", methods=["POST"])
@protected("upload_pic", ("upload_pic",), legacy=True)
def upload_pic(ctx: AccessContext) -> Response:
    """QQ upload_pic: multipart `picture`, `photodesc`, `title`, `albumid` (default album)."""
    values = request.values
    fields = services.load(PhotoUploadSchema(), {
        "title": values.get("title", ""), "description": values.get("photodesc", "")})
    album, photo = _upload(ctx, values.get("albumid") or None, fields, "picture")
    return legacy_json(wire.qq_upload(album, photo))


@legacy_bp.route("/photo/list_photo", methods=["GET", "POST"])
@protected("list_photo", ("list_album",), legacy=True)
def list_photo(ctx: AccessContext) -> Response:
    """QQ list_photo: `photonum` and `photos[]` of one of the user's albums."""
    album = services.owned_album(_uid(ctx), request.values.get("albumid", ""))
    photos = services.photos_of(album)
    return legacy_json({"ret": 0, "msg": "", "albumid": album.key, "photonum": len(photos),
                        "photos": [wire.qq_photo(album, p) for p in photos]})


# ---- REST --------------------------------------------------------------------------------


@api_bp.get("")
@protected("list_album", ("list_album",), legacy=False)
def albums(ctx: AccessContext) -> Response:
    """The user's albums, newest first."""
    found = services.albums_of(_uid(ctx))
    covers = services.covers(found)
    return jsonify({"data": [wire.rest_album(a, covers.get(a.id)) for a in found]})


@api_bp.post("")
@protected("add_album", ("add_album",), legacy=False)
def create_album(ctx: AccessContext) -> tuple[Response, int]:
    """Create an album (JSON: name, description, privacy, question, answer); 201."""
    album = services.create_album(_uid(ctx), request.get_json(silent=True), app_id=ctx.app_id)
    return jsonify(wire.rest_album(album, None)), 201


@api_bp.post("/<albumid>/photos")
@protected("upload_pic", ("upload_pic",), legacy=False)
def upload_photo(ctx: AccessContext, albumid: str) -> tuple[Response, int]:
    """Upload a photo (multipart `picture`, `title`, `description`, `keep_location`); 201."""
    fields = services.load(PhotoUploadSchema(), request.form.to_dict())
    album, photo = _upload(ctx, albumid, fields, "picture")
    return jsonify(wire.rest_photo(album, photo)), 201


@api_bp.get("/<albumid>/photos")
@protected("list_photo", ("list_album",), legacy=False)
def photos(ctx: AccessContext, albumid: str) -> Response:
    """An album's photos, newest first (URLs of non-public albums are signed)."""
    album = services.owned_album(_uid(ctx), albumid)
    return jsonify({"data": [wire.rest_photo(album, p) for p in services.photos_of(album)]})

"""The albums' paths and schemas in /api/v1/openapi.json (added through add_contributor)."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from gateway.albums import schemas as s

BEARER = [{"bearerAuth": []}]


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    names = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
             "422": "Unprocessable", "429": "RateLimited"}
    return {code: names[code] for code in codes}


UPLOAD_ERRORS = {
    "413": _json("Error", "payload_too_large: bigger than ZC_PHOTO_MAX_BYTES or "
                          "ZC_PHOTO_MAX_PIXELS (with limit)"),
    "415": _json("Error", "unsupported_media_type: not a JPEG, PNG, GIF, WebP or BMP picture"),
}


def register(spec: APISpec) -> None:
    """Add GET/POST /api/v1/albums and GET/POST /api/v1/albums/{albumid}/photos."""
    for name, schema in (("AlbumCreate", s.AlbumCreateSchema), ("Album", s.AlbumSchema),
                         ("AlbumList", s.AlbumListSchema), ("Photo", s.PhotoSchema),
                         ("PhotoList", s.PhotoListSchema)):
        spec.components.schema(name, schema=schema)
    common = _errors("400", "401", "403", "429")
    albumid = [{"name": "albumid", "in": "path", "required": True, "schema": {"type": "string"}}]
    spec.path(path="/api/v1/albums", operations={
        "get": {"summary": "The user's photo albums (scope list_album)", "tags": ["albums"],
                "operationId": "listAlbums", "security": BEARER,
                "responses": {"200": _json("AlbumList"), **common}},
        "post": {"summary": "Create an album (scope add_album)", "tags": ["albums"],
                 "operationId": "createAlbum", "security": BEARER,
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": "AlbumCreate"}}},
                 "responses": {"201": _json("Album", "Created"), **common,
                               **_errors("422"),
                               "403": _json("Error", "quota_exceeded (ZC_ALBUMS_MAX albums), "
                                                     "insufficient_scope or permission_denied")}}})
    upload = {"type": "object", "required": ["picture"], "properties": {
        "picture": {"type": "string", "format": "binary"},
        "title": {"type": "string", "maxLength": 64},
        "description": {"type": "string", "maxLength": 200},
        "keep_location": {"type": "boolean"}}}
    spec.path(path="/api/v1/albums/{albumid}/photos", parameters=albumid, operations={
        "get": {"summary": "An album's photos (scope list_album)", "tags": ["albums"],
                "operationId": "listPhotos", "security": BEARER,
                "responses": {"200": _json("PhotoList"), **common, **_errors("404")}},
        "post": {"summary": "Upload a photo (scope upload_pic), re-encoded, EXIF removed",
                 "tags": ["albums"], "operationId": "uploadPhoto", "security": BEARER,
                 "requestBody": {"required": True, "content": {
                     "multipart/form-data": {"schema": upload}}},
                 "responses": {"201": _json("Photo", "Created"), **common,
                               **_errors("404", "422"), **UPLOAD_ERRORS}}})

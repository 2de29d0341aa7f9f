"""Album and photo URLs (signed for non-public albums) and the QQ and REST answer shapes.

QQ field names and types (`/photo/list_album`, `add_album`, `upload_pic`, `list_photo`) follow
the historical QQ Connect documentation; docs/communities.md lists what is known and what
ZoneConnect chose where it is not.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, TimestampSigner

from gateway.albums.models import Album, Photo
from gateway.openapi.profile import base_url
from gateway.timeutil import isoformat

# QQ's priv codes: 1 public, 3 only the owner, 4 QQ friends, 5 answer a question.
QQ_PRIV = {"public": 1, "private": 3, "friends": 4, "question": 5}
PRIV_FROM_QQ = {str(v): k for k, v in QQ_PRIV.items()}
# QQ albums carry a category; ZoneConnect has none, so every album is QQ's "other" class.
QQ_CLASSID = 100


def _signer() -> TimestampSigner:
    return TimestampSigner(str(current_app.config["SECRET_KEY"]), salt="zc-photo-url")


def photo_url(album: Album, photo: Photo, rendition: str) -> str:
    """An absolute URL of a rendition; non-public albums' URLs carry an expiring signature."""
    path = url_for("album_pages.photo_file", key=photo.key, rendition=rendition)
    if album.privacy == "public" and album.group_id is None:
        return base_url() + path
    signed = _signer().sign(f"{photo.key}.{rendition}").decode()
    return f"{base_url()}{path}?s={signed.split('.', 2)[-1]}"


def signature_valid(photo_key: str, rendition: str, sig: str) -> bool:
    """Whether `s` is a live signature for this rendition (ZC_PHOTO_URL_TTL seconds)."""
    try:
        _signer().unsign(f"{photo_key}.{rendition}.{sig}",
                         max_age=int(current_app.config["ZC_PHOTO_URL_TTL"]))
    except BadSignature:
        return False
    return True


def cover_url(album: Album, cover: Photo | None) -> str | None:
    return photo_url(album, cover, "medium") if cover is not None else None


def _unix(album_or_photo: Album | Photo) -> int:
    return int(album_or_photo.created_at.timestamp())


def qq_album(album: Album, cover: Photo | None) -> dict[str, Any]:
    """One entry of list_album's `album[]` (and add_album's answer)."""
    return {"albumid": album.key, "classid": QQ_CLASSID, "createtime": _unix(album),
            "desc": album.description, "name": album.name, "picnum": album.photo_count,
            "priv": QQ_PRIV[album.privacy], "coverurl": cover_url(album, cover) or ""}


def qq_photo(album: Album, photo: Photo) -> dict[str, Any]:
    """One entry of list_photo's `photos[]`."""
    large, small = photo_url(album, photo, "large"), photo_url(album, photo, "small")
    return {"name": photo.title, "desc": photo.description, "lloc": photo.key,
            "sloc": photo.key, "large_url": large, "small_url": small,
            "large_image": {"url": large, "width": photo.width, "height": photo.height},
            "uploaded_time": _unix(photo)}


def qq_upload(album: Album, photo: Photo) -> dict[str, Any]:
    """upload_pic's answer."""
    return {"ret": 0, "msg": "", "albumid": album.key, "lloc": photo.key, "sloc": photo.key,
            "large_url": photo_url(album, photo, "large"),
            "small_url": photo_url(album, photo, "small"),
            "width": photo.width, "height": photo.height}


def rest_album(album: Album, cover: Photo | None) -> dict[str, Any]:
    """An album in the REST API."""
    return {"id": album.key, "name": album.name, "description": album.description,
            "privacy": album.privacy, "photo_count": album.photo_count,
            "cover_url": cover_url(album, cover), "created_at": isoformat(album.created_at)}


def rest_photo(album: Album, photo: Photo) -> dict[str, Any]:
    """A photo in the REST API."""
    return {"id": photo.key, "album_id": album.key, "title": photo.title,
            "description": photo.description, "width": photo.width, "height": photo.height,
            "urls": {name: photo_url(album, photo, name) for name in ("large", "medium", "small")},
            "created_at": isoformat(photo.created_at)}

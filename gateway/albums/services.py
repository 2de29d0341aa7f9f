"""Albums and photos: create, list, upload, cover, delete, who may see. Flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Mapping
from typing import Any, BinaryIO

from flask import current_app
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select, update

from gateway.albums import processing
from gateway.albums.errors import AlbumNotFound, NotAlbumOwner, PhotoNotFound
from gateway.albums.models import RENDITIONS, Album, Photo
from gateway.albums.schemas import AlbumCreateSchema
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.friends import services as friends
from gateway.i18n import _
from gateway.storage import get_storage
from gateway.uploads import QuotaExceeded


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """Validate with a schema; ValidationFailed (422) names every bad field."""
    if not isinstance(data, Mapping):
        raise ValidationFailed({"body": [_("Send a JSON object.")]})
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
        raise ValidationFailed({str(k): [str(x) for x in (v if isinstance(v, list) else [v])]
                                for k, v in messages.items()}) from exc
    return loaded


def _answer_digest(answer: str) -> str:
    normalised = " ".join(answer.split()).casefold()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"album-answer:" + normalised.encode(), hashlib.sha256).hexdigest()


def create_album(owner_id: int, data: Any, *, app_id: int | None = None,
                 group_id: int | None = None) -> Album:
    """Validate and create an album; at most ZC_ALBUMS_MAX per user (or per group)."""
    fields = load(AlbumCreateSchema(), data)
    limit = int(current_app.config["ZC_ALBUMS_MAX"])
    owned = select(func.count(Album.id)).where(
        Album.group_id == group_id if group_id is not None else (
            (Album.owner_id == owner_id) & Album.group_id.is_(None)))
    if (db.session.scalar(owned) or 0) >= limit:
        raise QuotaExceeded(limit)
    answer = fields.pop("answer")
    album = Album(owner_id=owner_id, group_id=group_id, app_id=app_id, **fields,
                  answer_digest=_answer_digest(answer) if fields["privacy"] == "question" else "")
    db.session.add(album)
    db.session.flush()
    return album


def albums_of(owner_id: int) -> list[Album]:
    """A user's own albums (not their groups'), newest first."""
    return list(db.session.scalars(select(Album).where(
        Album.owner_id == owner_id, Album.group_id.is_(None)).order_by(Album.id.desc())))


def albums_of_group(group_id: int) -> list[Album]:
    """A group's albums, newest first."""
    return list(db.session.scalars(select(Album).where(
        Album.group_id == group_id).order_by(Album.id.desc())))


def find_album(key: str) -> Album:
    """The album with this public id (AlbumNotFound otherwise)."""
    album = db.session.scalar(select(Album).where(Album.key == key[:24])) if key.isalnum() \
        else None
    if album is None:
        raise AlbumNotFound()
    return album


def owned_album(owner_id: int, key: str) -> Album:
    """One of the user's own albums; anybody else's answers 404 (no probing)."""
    album = find_album(key)
    if album.owner_id != owner_id or album.group_id is not None:
        raise AlbumNotFound()
    return album


def answer_matches(album: Album, answer: str) -> bool:
    """Whether `answer` opens a question album (compared in constant time)."""
    return bool(album.answer_digest) and hmac.compare_digest(album.answer_digest,
                                                             _answer_digest(answer))


def can_view(album: Album, viewer_id: int | None, answered: frozenset[str] = frozenset()) -> bool:
    """Whether the viewer may see the album: group rules for group albums, else its privacy."""
    if album.group_id is not None:
        from gateway.groups.services import can_see_content  # groups own their albums' rule

        return can_see_content(album.group_id, viewer_id)
    if album.privacy == "question":
        if viewer_id == album.owner_id:
            return True
        if viewer_id is not None and friends.is_blocked(viewer_id, album.owner_id):
            return False
        return album.key in answered
    return friends.can_see(viewer_id, album.owner_id, album.privacy)


def photos_of(album: Album, limit: int = 200, before: int | None = None) -> list[Photo]:
    """An album's photos, newest first."""
    query = select(Photo).where(Photo.album_id == album.id)
    if before is not None:
        query = query.where(Photo.id < before)
    return list(db.session.scalars(query.order_by(Photo.id.desc()).limit(limit)))


def _reserve_slot(album: Album) -> None:
    """Count the photo in before storing it: one UPDATE guarded by the limit, so parallel
    uploads can never push an album past ZC_ALBUM_PHOTOS_MAX."""
    limit = int(current_app.config["ZC_ALBUM_PHOTOS_MAX"])
    done = db.session.execute(update(Album).where(
        Album.id == album.id, Album.photo_count < limit).values(
        photo_count=Album.photo_count + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise QuotaExceeded(limit)
    db.session.refresh(album, ["photo_count"])


def storage_key(album: Album, photo: Photo, rendition: str) -> str:
    """Where a rendition lives in the store."""
    return f"albums/{album.key}/{photo.key}/{rendition}"


def add_photo(album: Album, uploader_id: int, stream: BinaryIO, *, title: str = "",
              description: str = "", keep_location: bool = False,
              app_id: int | None = None) -> Photo:
    """Re-encode an upload into its renditions, store them, and add the photo to the album."""
    max_pixels = int(current_app.config["ZC_PHOTO_MAX_PIXELS"])
    rendered = processing.render(stream, max_pixels=max_pixels, keep_location=keep_location)
    _reserve_slot(album)
    photo = Photo(album_id=album.id, uploader_id=uploader_id, app_id=app_id, title=title,
                  description=description, content_type=rendered.content_type,
                  width=rendered.width, height=rendered.height, kept_location=keep_location,
                  bytes_total=sum(len(b) for b in rendered.renditions.values()))
    db.session.add(photo)
    db.session.flush()
    store = get_storage()
    for name, data in rendered.renditions.items():
        store.save(storage_key(album, photo, name), io.BytesIO(data),
                   content_type=rendered.content_type)
    if album.cover_photo_id is None:
        album.cover_photo_id = photo.id
    db.session.flush()
    return photo


def find_photo(album: Album, key: str) -> Photo:
    """A photo of this album by its public id."""
    photo = db.session.scalar(select(Photo).where(Photo.key == key[:24],
                                                  Photo.album_id == album.id))
    if photo is None:
        raise PhotoNotFound()
    return photo


def set_cover(album: Album, photo: Photo) -> None:
    """Make `photo` the album's cover."""
    if photo.album_id != album.id:
        raise PhotoNotFound()
    album.cover_photo_id = photo.id
    db.session.flush()


def delete_photo(album: Album, photo: Photo) -> None:
    """Delete a photo and its renditions; the cover moves to the newest remaining photo."""
    store = get_storage()
    for name in RENDITIONS:
        store.delete(storage_key(album, photo, name))
    db.session.delete(photo)
    db.session.execute(update(Album).where(Album.id == album.id).values(
        photo_count=Album.photo_count - 1).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(album)
    if album.cover_photo_id == photo.id or album.cover_photo_id is None:
        newest = db.session.scalar(select(Photo.id).where(Photo.album_id == album.id)
                                   .order_by(Photo.id.desc()).limit(1))
        album.cover_photo_id = newest
    db.session.flush()


def delete_album(album: Album) -> None:
    """Delete an album, its photos and every stored rendition."""
    store = get_storage()
    for photo in db.session.scalars(select(Photo).where(Photo.album_id == album.id)):
        for name in RENDITIONS:
            store.delete(storage_key(album, photo, name))
    db.session.delete(album)
    db.session.flush()


def require_owner(album: Album, user_id: int) -> None:
    """Only the album's owner changes it (group albums: see gateway.groups)."""
    if album.owner_id != user_id:
        raise NotAlbumOwner()


def usage_of(owner_id: int) -> dict[str, int]:
    """A user's albums, photos and stored bytes (shown on their album page)."""
    albums = db.session.scalar(select(func.count(Album.id)).where(Album.owner_id == owner_id))
    photos, stored = db.session.execute(select(func.count(Photo.id), func.coalesce(
        func.sum(Photo.bytes_total), 0)).join(Album, Album.id == Photo.album_id).where(
        Album.owner_id == owner_id)).one()
    return {"albums": int(albums or 0), "photos": int(photos), "bytes": int(stored)}


def covers(albums: list[Album]) -> dict[int, Photo]:
    """The cover photo of each album that has one, by album id (one query)."""
    ids = [a.cover_photo_id for a in albums if a.cover_photo_id is not None]
    if not ids:
        return {}
    return {p.album_id: p for p in db.session.scalars(select(Photo).where(Photo.id.in_(ids)))}


DEFAULT_ALBUM_NAME = "默认相册"  # QQ's name for where a picture without an album goes


def default_album(owner_id: int, app_id: int | None = None) -> Album:
    """The user's default album (private), made on first use by upload_pic without albumid."""
    found = db.session.scalar(select(Album).where(
        Album.owner_id == owner_id, Album.group_id.is_(None),
        Album.name == DEFAULT_ALBUM_NAME).order_by(Album.id).limit(1))
    if found is not None:
        return found
    return create_album(owner_id, {"name": DEFAULT_ALBUM_NAME, "privacy": "private"},
                        app_id=app_id)

"""Album pages linked from a user's space, uploads from the browser, and the photo files."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.accounts.services import USERNAME_PATTERN
from gateway.accounts.views import login_required
from gateway.albums import services, wire
from gateway.albums.models import PRIVACIES, RENDITIONS, Album, Photo
from gateway.albums.schemas import PhotoUploadSchema
from gateway.errors import ValidationFailed, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _
from gateway.storage import ObjectMissing, get_storage

bp = Blueprint("album_pages", __name__)
ANSWERED = "answered_albums"


def _owner(username: str) -> User:
    owner = db.session.scalar(select(User).where(User.username == username)) if (
        USERNAME_PATTERN.match(username)) else None
    if owner is None or not owner.is_active:
        abort(404)
    return owner


def _viewer_id() -> int | None:
    user = sessions.current_user()
    return user.id if user is not None else None


def _answered() -> frozenset[str]:
    return frozenset(session.get(ANSWERED, []))


@bp.get("/space/<name:username>/albums")
def albums(username: str) -> ResponseReturnValue:
    """A user's albums that the viewer may see (question albums are listed, locked)."""
    owner = _owner(username)
    viewer = _viewer_id()
    shown = [a for a in services.albums_of(owner.id)
             if services.can_view(a, viewer, _answered()) or a.privacy == "question"]
    is_owner = viewer == owner.id
    return render_template("albums/list.html", owner=owner, albums=shown,
                           covers=services.covers(shown), is_owner=is_owner,
                           privacies=PRIVACIES, url=wire.photo_url,
                           usage=services.usage_of(owner.id) if is_owner else None)


@bp.post("/space/<name:username>/albums")
@login_required
def create(username: str) -> ResponseReturnValue:
    """The owner creates an album from the form."""
    owner = _owner(username)
    if _viewer_id() != owner.id:
        abort(403)
    try:
        album = services.create_album(owner.id, request.form.to_dict())
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(_("The album was not created: %(why)s", why=_describe(exc)))
        return redirect(url_for("album_pages.albums", username=owner.username))
    db.session.commit()
    return redirect(url_for("album_pages.album", key=album.key))


def _describe(exc: ZoneConnectError) -> str:
    fields = getattr(exc, "fields", None)
    if fields:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    return str(exc.description)


def _album_or_404(key: str) -> Album:
    try:
        return services.find_album(key)
    except ZoneConnectError:
        abort(404)


def _may_change(album: Album, user_id: int | None) -> bool:
    if user_id is None:
        return False
    if album.group_id is not None:
        from gateway.groups.services import can_upload_to_album

        return can_upload_to_album(album.group_id, user_id)
    return album.owner_id == user_id


@bp.get("/albums/<name:key>")
def album(key: str) -> ResponseReturnValue:
    """An album's photos, or the question that opens it, or 404 for those who may not see it."""
    found = _album_or_404(key)
    viewer = _viewer_id()
    owner = db.session.get(User, found.owner_id)
    if not services.can_view(found, viewer, _answered()):
        if found.privacy == "question" and found.group_id is None and not (
                viewer is not None and services.friends.is_blocked(viewer, found.owner_id)):
            return render_template("albums/question.html", album=found, owner=owner)
        abort(404)
    return render_template("albums/album.html", album=found, owner=owner,
                           photos=services.photos_of(found), url=wire.photo_url,
                           can_change=_may_change(found, viewer),
                           is_owner=viewer == found.owner_id)


@bp.post("/albums/<name:key>/answer")
def answer(key: str) -> ResponseReturnValue:
    """Answer a question album's question; a right answer opens it for this session."""
    found = _album_or_404(key)
    if found.privacy != "question":
        abort(404)
    if services.answer_matches(found, request.form.get("answer", "")[:200]):
        session[ANSWERED] = [*session.get(ANSWERED, [])[-49:], found.key]
    else:
        flash(_("That is not the answer."))
    return redirect(url_for("album_pages.album", key=found.key))


@bp.post("/albums/<name:key>/photos")
@login_required
def upload(key: str) -> ResponseReturnValue:
    """Upload a photo from the album page (owner, or a group member for group albums)."""
    found = _album_or_404(key)
    viewer = _viewer_id()
    if not _may_change(found, viewer):
        abort(403)
    assert viewer is not None
    picture = request.files.get("picture")
    try:
        if picture is None:
            raise ValidationFailed({"picture": [_("Choose a picture to upload.")]})
        fields = services.load(PhotoUploadSchema(), request.form.to_dict())
        services.add_photo(found, viewer, picture.stream, **fields)
    except ZoneConnectError as exc:
        db.session.rollback()
        flash(_("The photo was not added: %(why)s", why=_describe(exc)))
        return redirect(url_for("album_pages.album", key=found.key)), 303
    db.session.commit()
    flash(_("Photo added."))
    return redirect(url_for("album_pages.album", key=found.key)), 303


def _owned_photo(key: str, photo_key: str) -> tuple[Album, Photo]:
    found = _album_or_404(key)
    viewer = _viewer_id()
    if viewer is None or not (found.owner_id == viewer or (
            found.group_id is not None and _may_change(found, viewer))):
        abort(403)
    try:
        return found, services.find_photo(found, photo_key)
    except ZoneConnectError:
        abort(404)


@bp.post("/albums/<name:key>/photos/<name:photo_key>/cover")
@login_required
def cover(key: str, photo_key: str) -> ResponseReturnValue:
    """Make a photo the album's cover."""
    found, photo = _owned_photo(key, photo_key)
    services.set_cover(found, photo)
    db.session.commit()
    return redirect(url_for("album_pages.album", key=found.key))


@bp.post("/albums/<name:key>/photos/<name:photo_key>/delete")
@login_required
def delete_photo(key: str, photo_key: str) -> ResponseReturnValue:
    """Delete a photo."""
    found, photo = _owned_photo(key, photo_key)
    services.delete_photo(found, photo)
    db.session.commit()
    flash(_("Photo deleted."))
    return redirect(url_for("album_pages.album", key=found.key))


@bp.post("/albums/<name:key>/delete")
@login_required
def delete(key: str) -> ResponseReturnValue:
    """Delete an album and its photos (its owner only)."""
    found = _album_or_404(key)
    if found.owner_id != _viewer_id():
        abort(403)
    owner = db.session.get(User, found.owner_id)
    assert owner is not None
    services.delete_album(found)
    db.session.commit()
    flash(_("Album deleted."))
    return redirect(url_for("album_pages.albums", username=owner.username))


@bp.get("/photos/<name:key>/<name:rendition>")
def photo_file(key: str, rendition: str) -> ResponseReturnValue:
    """A rendition's bytes, for viewers who may see the album or holders of a live signed URL."""
    if rendition not in RENDITIONS or not key.isalnum():
        abort(404)
    row = db.session.execute(select(Photo, Album).join(Album, Album.id == Photo.album_id)
                             .where(Photo.key == key[:24])).first()
    if row is None:
        abort(404)
    photo, found = row
    signed = wire.signature_valid(photo.key, rendition, request.args.get("s", "")[:100])
    if not signed and not services.can_view(found, _viewer_id(), _answered()):
        abort(404)
    try:
        chunks = get_storage().open(services.storage_key(found, photo, rendition))
    except ObjectMissing:
        abort(404)
    public = found.privacy == "public" and found.group_id is None
    headers: dict[str, Any] = {
        "Cache-Control": "public, max-age=86400" if public else "private, max-age=3600",
        "Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"}
    return Response(stream_with_context(chunks), content_type=photo.content_type,
                    headers=headers)

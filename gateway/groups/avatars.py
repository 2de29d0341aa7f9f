"""A group's picture: a 100 px JPEG square in storage, or a generated identicon."""

from __future__ import annotations

import io
import secrets
from typing import IO

from flask import current_app

from gateway import images
from gateway.accounts.avatars import default_avatar
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.groups.models import Group
from gateway.i18n import _
from gateway.storage import ObjectMissing, get_storage
from gateway.uploads import UnsupportedMediaType

SIZE = 100


def save(group: Group, stream: IO[bytes] | None) -> None:
    """Decode (bomb-safe), crop and store the picture; the old one is deleted."""
    if stream is None:
        raise ValidationFailed({"avatar": [_("Choose a picture.")]})
    try:
        square = images.decode_square(stream.read(), int(current_app.config[
            "ZC_AVATAR_MAX_PIXELS"]))
    except images.UnreadableImage as exc:
        raise UnsupportedMediaType(str(exc)) from exc
    data = images.thumbnails(square, (SIZE,), "JPEG", quality=88)[SIZE]
    store = get_storage()
    key = f"groups/{group.id}/avatar-{secrets.token_hex(8)}"
    store.save(key, io.BytesIO(data), content_type="image/jpeg")
    if group.avatar_key:
        store.delete(group.avatar_key)
    group.avatar_key = key
    db.session.flush()


def read(group: Group) -> tuple[bytes, str]:
    """The stored picture, or the identicon when there is none, with its content type."""
    if group.avatar_key:
        try:
            return get_storage().read(group.avatar_key), "image/jpeg"
        except ObjectMissing:
            pass
    return default_avatar(f"group-{group.id}", SIZE), "image/png"

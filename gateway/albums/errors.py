"""Errors of the albums domain."""

from __future__ import annotations

from gateway.errors import Forbidden, NotFound
from gateway.i18n import _l

RET_NO_ALBUM = 100055


class AlbumNotFound(NotFound):
    code = "album_not_found"
    description = _l("There is no such album, or you may not see it.")

    def __init__(self) -> None:
        super().__init__(ret=RET_NO_ALBUM)


class PhotoNotFound(NotFound):
    code = "photo_not_found"
    description = _l("There is no such photo, or you may not see it.")


class NotAlbumOwner(Forbidden):
    code = "forbidden"
    description = _l("Only the album's owner may do this.")

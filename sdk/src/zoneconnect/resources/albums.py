"""`client.albums`: the user's photo albums (scopes list_album, add_album, upload_pic)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from .. import _community as cm
from .._base import BaseClient
from .._sansio import Plan, parse_json
from .._tokens import Token

if TYPE_CHECKING:
    from .._async_client import AsyncClient
    from .._client import Client

Picture = bytes | IO[bytes]
# Aliases: inside the classes `list` names their method.
AlbumList = list[cm.Album]
PhotoList = list[cm.Photo]


def _albums(body: dict[str, Any]) -> list[cm.Album]:
    return [cm.Album.from_json(a) for a in body["data"]]


def _photos(body: dict[str, Any]) -> list[cm.Photo]:
    return [cm.Photo.from_json(p) for p in body["data"]]


def list_plan(client: BaseClient, token: Token) -> Plan[list[cm.Album]]:
    """Plan: GET /api/v1/albums."""
    return client._authed(token, lambda t: cm.list_albums(client._config, t),
                          lambda r: parse_json(r, _albums))


def create_plan(client: BaseClient, token: Token, body: dict[str, object]) -> Plan[cm.Album]:
    """Plan: POST /api/v1/albums."""
    return client._authed(token, lambda t: cm.create_album(client._config, t, body),
                          lambda r: parse_json(r, cm.Album.from_json))


def photos_plan(client: BaseClient, token: Token, album_id: str) -> Plan[list[cm.Photo]]:
    """Plan: GET /api/v1/albums/{albumid}/photos."""
    return client._authed(token, lambda t: cm.list_photos(client._config, t, album_id),
                          lambda r: parse_json(r, _photos))


def upload_plan(client: BaseClient, token: Token, album_id: str, picture: Picture,
                filename: str, content_type: str, fields: dict[str, str]) -> Plan[cm.Photo]:
    """Plan: POST /api/v1/albums/{albumid}/photos (multipart)."""
    return client._authed(
        token, lambda t: cm.upload_photo(client._config, t, album_id, picture, filename,
                                         content_type, fields),
        lambda r: parse_json(r, cm.Photo.from_json))


def _album_body(name: str, description: str | None, privacy: str | None,
                question: str | None, answer: str | None) -> dict[str, object]:
    body: dict[str, object] = {"name": name}
    optional = {"description": description, "privacy": privacy, "question": question,
                "answer": answer}
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


def _fields(title: str | None, description: str | None, keep_location: bool) -> dict[str, str]:
    fields = {"title": title or "", "description": description or ""}
    if keep_location:
        fields["keep_location"] = "true"
    return fields


class Albums:
    """Blocking `client.albums`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, token: Token) -> AlbumList:
        """The user's albums, newest first."""
        return self._client._run(list_plan(self._client, token))

    def create(self, token: Token, *, name: str, description: str | None = None,
               privacy: str | None = None, question: str | None = None,
               answer: str | None = None) -> cm.Album:
        """Create an album (privacy public, friends, private or question)."""
        body = _album_body(name, description, privacy, question, answer)
        return self._client._run(create_plan(self._client, token, body))

    def photos(self, token: Token, album_id: str) -> PhotoList:
        """An album's photos, newest first."""
        return self._client._run(photos_plan(self._client, token, album_id))

    def upload(self, token: Token, album_id: str, picture: Picture, *,
               filename: str = "photo.jpg", content_type: str = "application/octet-stream",
               title: str | None = None, description: str | None = None,
               keep_location: bool = False) -> cm.Photo:
        """Upload a picture (bytes or a binary file); the platform re-encodes it."""
        return self._client._run(upload_plan(self._client, token, album_id, picture, filename,
                                             content_type,
                                             _fields(title, description, keep_location)))


class AsyncAlbums:
    """Async `client.albums`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, token: Token) -> AlbumList:
        """The user's albums, newest first."""
        return await self._client._run(list_plan(self._client, token))

    async def create(self, token: Token, *, name: str, description: str | None = None,
                     privacy: str | None = None, question: str | None = None,
                     answer: str | None = None) -> cm.Album:
        """Create an album (privacy public, friends, private or question)."""
        body = _album_body(name, description, privacy, question, answer)
        return await self._client._run(create_plan(self._client, token, body))

    async def photos(self, token: Token, album_id: str) -> PhotoList:
        """An album's photos, newest first."""
        return await self._client._run(photos_plan(self._client, token, album_id))

    async def upload(self, token: Token, album_id: str, picture: bytes, *,
                     filename: str = "photo.jpg",
                     content_type: str = "application/octet-stream", title: str | None = None,
                     description: str | None = None, keep_location: bool = False) -> cm.Photo:
        """Upload a picture (bytes); the platform re-encodes it."""
        return await self._client._run(upload_plan(self._client, token, album_id, picture,
                                                   filename, content_type,
                                                   _fields(title, description, keep_location)))

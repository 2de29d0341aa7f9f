"""`client.groups` and `client.albums` (sync and async): requests and typed answers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fakes import FakeProvider, error

import zoneconnect
from zoneconnect import Token

TOKEN = Token(access_token="B" * 32)
GID = "A" * 32


def _group(**extra: Any) -> dict[str, Any]:
    return {"group_openid": GID, "name": "Demo Club", "description": "d", "category": "",
            "member_count": 3, "my_role": "owner", **extra}


def test_groups_list_retrieve_members_and_send(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", "/api/v1/groups", httpx.Response(200, json={"data": [_group()]}))
    groups = client.groups.list(TOKEN)
    assert groups == [zoneconnect.Group(GID, "Demo Club", "d", "", 3, "owner")]
    assert provider.requests[-1].headers["authorization"] == f"Bearer {TOKEN.access_token}"
    provider.push("GET", f"/api/v1/groups/{GID}", httpx.Response(200, json=_group(
        daily_post_quota=20, posts_today=2)))
    one = client.groups.retrieve(TOKEN, GID)
    assert (one.daily_post_quota, one.posts_today) == (20, 2)
    member = {"openid": "C" * 32, "nickname": "Alice", "role": "owner",
              "joined_at": "2026-12-01T10:00:00Z", "is_lost": 0}
    provider.push("GET", f"/api/v1/groups/{GID}/members",
                  httpx.Response(200, json={"data": [member], "next": "C" * 32}),
                  httpx.Response(200, json={"data": [], "next": None}))
    page = client.groups.members(TOKEN, GID, limit=1)
    assert page.data[0].openid == "C" * 32 and page.next == "C" * 32
    assert provider.requests[-1].url.params["limit"] == "1"
    last = client.groups.members(TOKEN, GID, after=page.next)
    assert last.next is None and provider.requests[-1].url.params["after"] == "C" * 32
    provider.push("POST", f"/api/v1/groups/{GID}/messages", httpx.Response(201, json={
        "id": "7", "group_openid": GID, "created_at": "2026-12-01T10:00:00Z",
        "posts_left_today": 19}))
    sent = client.groups.send_message(TOKEN, GID, "Hello", title="Hi")
    assert json.loads(provider.requests[-1].content) == {"content": "Hello", "title": "Hi"}
    assert sent.posts_left_today == 19


def test_group_errors_are_typed(client: Any, provider: FakeProvider) -> None:
    provider.push("GET", f"/api/v1/groups/{GID}", error(404, "group_not_found"))
    with pytest.raises(zoneconnect.NotFoundError):
        client.groups.retrieve(TOKEN, GID)
    provider.push("POST", f"/api/v1/groups/{GID}/messages",
                  error(429, "quota_exceeded", limit=20))
    with pytest.raises(zoneconnect.RateLimitError):
        client.groups.send_message(TOKEN, GID, "x")
    assert provider.count("POST", f"/api/v1/groups/{GID}/messages") == 1  # never resent


def _album() -> dict[str, Any]:
    return {"id": "a1", "name": "Trip", "description": "", "privacy": "friends",
            "photo_count": 0, "cover_url": None, "created_at": "2026-12-01T10:00:00Z"}


def test_albums_create_list_upload_photos(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/api/v1/albums", httpx.Response(201, json=_album()))
    album = client.albums.create(TOKEN, name="Trip", privacy="friends")
    assert json.loads(provider.requests[-1].content) == {"name": "Trip", "privacy": "friends"}
    assert album.privacy == "friends" and album.cover_url is None
    provider.push("GET", "/api/v1/albums", httpx.Response(200, json={"data": [_album()]}))
    assert [a.id for a in client.albums.list(TOKEN)] == ["a1"]
    photo = {"id": "p1", "album_id": "a1", "title": "sea", "description": "", "width": 800,
             "height": 600, "urls": {"large": "https://x/l", "small": "https://x/s"},
             "created_at": "2026-12-01T10:00:00Z"}
    provider.push("POST", "/api/v1/albums/a1/photos", httpx.Response(201, json=photo))
    uploaded = client.albums.upload(TOKEN, "a1", b"\xff\xd8jpegbytes", filename="sea.jpg",
                                    content_type="image/jpeg", title="sea", keep_location=True)
    sent = provider.requests[-1]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="picture"; filename="sea.jpg"' in sent.content
    assert b"\xff\xd8jpegbytes" in sent.content and b'name="keep_location"' in sent.content
    assert uploaded.width == 800 and uploaded.urls["large"] == "https://x/l"
    provider.push("GET", "/api/v1/albums/a1/photos", httpx.Response(200, json={"data": [photo]}))
    assert [p.title for p in client.albums.photos(TOKEN, "a1")] == ["sea"]


def test_upload_errors_are_typed(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/api/v1/albums/a1/photos",
                  error(415, "unsupported_media_type"))
    with pytest.raises(zoneconnect.APIError) as caught:
        client.albums.upload(TOKEN, "a1", b"<svg/>")
    assert caught.value.status_code == 415

"""REST /api/v1/albums: create, list, upload (multipart), photos; limits; OpenAPI entries."""

from __future__ import annotations

import io

import pytest

from gateway.albums.models import Album, Photo
from gateway.extensions import db
from tests.albums.conftest import PHOTO_SCOPES, bearer, picture


def _album(client, token, **body):
    return client.post("/api/v1/albums", json={"name": "Trip", **body}, headers=bearer(token))


def _upload(client, token, albumid, data: bytes, name: str = "p.jpg", **fields):
    return client.post(f"/api/v1/albums/{albumid}/photos", headers=bearer(token),
                       data={"picture": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def test_create_list_upload_and_list_photos(client, world) -> None:
    token = world.token(PHOTO_SCOPES)
    created = _album(client, token, description="d", privacy="friends")
    assert created.status_code == 201
    album = created.get_json()
    assert album["privacy"] == "friends" and album["photo_count"] == 0
    assert album["cover_url"] is None
    listed = client.get("/api/v1/albums", headers=bearer(token)).get_json()
    assert [a["id"] for a in listed["data"]] == [album["id"]]
    up = _upload(client, token, album["id"], picture(size=(3000, 1000)), title="wide")
    assert up.status_code == 201, up.get_json()
    photo = up.get_json()
    assert (photo["width"], photo["height"], photo["title"]) == (3000, 1000, "wide")
    assert set(photo["urls"]) == {"large", "medium", "small"}
    photos = client.get(f"/api/v1/albums/{album['id']}/photos", headers=bearer(token)).get_json()
    assert [p["id"] for p in photos["data"]] == [photo["id"]]
    again = client.get("/api/v1/albums", headers=bearer(token)).get_json()["data"][0]
    assert again["photo_count"] == 1 and again["cover_url"]


def test_validation_and_limits(client, world, app) -> None:
    token = world.token(PHOTO_SCOPES)
    bad = client.post("/api/v1/albums", json={"name": "x" * 31, "privacy": "weird"},
                      headers=bearer(token))
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"name", "privacy"}
    assert _album(client, token, privacy="question").status_code == 422  # no question/answer
    assert client.post("/api/v1/albums", data="nope", headers=bearer(token)).status_code == 422
    app.config["ZC_ALBUMS_MAX"] = 1
    assert _album(client, token).status_code == 201
    over = _album(client, token)
    assert over.status_code == 403 and over.get_json()["error"] == "quota_exceeded"
    assert over.get_json()["limit"] == 1
    assert db.session.query(Album).count() == 1


def test_upload_limits_and_types(client, world, app) -> None:
    token = world.token(PHOTO_SCOPES)
    albumid = _album(client, token).get_json()["id"]
    for data, name in ((b"<html><script>alert(1)</script>", "x.html"),
                       (b"GIF89a", "broken.gif"), (b"", "empty.jpg")):
        answer = _upload(client, token, albumid, data, name)
        assert answer.status_code == 415, answer.get_json()
        assert answer.get_json()["error"] == "unsupported_media_type"
    app.config["ZC_PHOTO_MAX_PIXELS"] = 1000 * 1000
    big = _upload(client, token, albumid, picture("PNG", (2000, 2000)))
    assert big.status_code == 413 and big.get_json()["error"] == "payload_too_large"
    app.config["ZC_PHOTO_MAX_BYTES"] = 100_000
    huge = _upload(client, token, albumid, b"\xff" * 300_000)
    assert huge.status_code == 413 and huge.get_json()["limit"] == 100_000
    app.config["ZC_ALBUM_PHOTOS_MAX"] = 1
    assert _upload(client, token, albumid, picture()).status_code == 201
    full = _upload(client, token, albumid, picture())
    assert full.status_code == 403 and full.get_json()["error"] == "quota_exceeded"
    assert db.session.query(Photo).count() == 1


def test_decompression_bomb_is_refused_before_decoding(client, world) -> None:
    """A 64-megapixel PNG that compresses to a few KB is refused from its header."""
    token = world.token(PHOTO_SCOPES)
    albumid = _album(client, token).get_json()["id"]
    bomb = picture("PNG", (8000, 8000))
    assert len(bomb) < 300_000
    answer = _upload(client, token, albumid, bomb, "bomb.png")
    assert answer.status_code == 413


def test_other_users_albums_are_404_and_scopes_403(client, world, factory) -> None:
    bob = factory.user("bobby")
    bob_album = _album(client, world.token(PHOTO_SCOPES, user=bob)).get_json()["id"]
    token = world.token(PHOTO_SCOPES)
    assert client.get(f"/api/v1/albums/{bob_album}/photos",
                      headers=bearer(token)).status_code == 404
    assert _upload(client, token, bob_album, picture()).status_code == 404
    weak = world.token(["get_user_info"])
    refused = client.get("/api/v1/albums", headers=bearer(weak))
    assert refused.status_code == 403 and refused.get_json()["error"] == "insufficient_scope"
    assert client.get("/api/v1/albums").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/albums", "/api/v1/albums/{albumid}/photos"])
def test_openapi_document_lists_album_paths(client, path) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert path in doc["paths"]
    assert "Album" in doc["components"]["schemas"]


def test_usage_is_recorded(client, world, app) -> None:
    from gateway.usage.models import ApiCallDaily
    from gateway.usage.recorder import flush

    token = world.token(PHOTO_SCOPES)
    client.get("/api/v1/albums", headers=bearer(token))
    flush()
    rows = db.session.query(ApiCallDaily).filter_by(api="list_album").all()
    assert rows and sum(r.ok_count for r in rows) >= 1

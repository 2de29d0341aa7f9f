"""The QQ photo methods: exact field names and types, HTTP 200 ret/msg, scopes."""

from __future__ import annotations

import io

from gateway.albums.models import Album, Photo
from gateway.extensions import db
from tests.albums.conftest import PHOTO_SCOPES, picture


def _legacy(world, token) -> dict[str, str]:
    return {"access_token": token.access_token, "oauth_consumer_key": world.app.appid,
            "openid": token.openid}


def test_add_list_upload_list_with_qq_names_and_types(client, world) -> None:
    token = world.token(PHOTO_SCOPES)
    params = _legacy(world, token)
    added = client.post("/photo/add_album", data={**params, "albumname": "旅行",
                                                  "albumdesc": "深圳", "priv": "4"})
    assert added.status_code == 200 and added.mimetype == "text/html"
    body = added.get_json(force=True)
    assert body["ret"] == 0 and body["msg"] == ""
    assert isinstance(body["albumid"], str) and body["name"] == "旅行" and body["priv"] == 4
    assert isinstance(body["classid"], int) and isinstance(body["createtime"], int)

    listed = client.get("/photo/list_album", query_string=params).get_json(force=True)
    assert listed["ret"] == 0 and listed["albumnum"] == 1
    album = listed["album"][0]
    assert set(album) >= {"albumid", "classid", "createtime", "desc", "name", "picnum", "priv"}
    assert (album["albumid"], album["desc"], album["picnum"], album["priv"]) == (
        body["albumid"], "深圳", 0, 4)
    assert [type(album[k]) for k in ("albumid", "classid", "createtime", "desc", "name",
                                     "picnum", "priv")] == [str, int, int, str, str, int, int]

    uploaded = client.post("/photo/upload_pic", data={
        **params, "albumid": body["albumid"], "title": "海边", "photodesc": "日落",
        "picture": (io.BytesIO(picture()), "sea.jpg")}, content_type="multipart/form-data")
    up = uploaded.get_json(force=True)
    assert up["ret"] == 0 and up["albumid"] == body["albumid"]
    assert up["large_url"].startswith("https://zc.example/photos/") and "?s=" in up["large_url"]
    assert isinstance(up["width"], int) and up["width"] == 800 and up["height"] == 600
    assert {"lloc", "sloc", "small_url"} <= set(up)

    photos = client.get("/photo/list_photo", query_string={
        **params, "albumid": body["albumid"]}).get_json(force=True)
    assert photos["ret"] == 0 and photos["photonum"] == 1
    photo = photos["photos"][0]
    assert (photo["name"], photo["desc"], photo["lloc"]) == ("海边", "日落", up["lloc"])
    assert isinstance(photo["uploaded_time"], int)
    assert client.get("/photo/list_album", query_string=params).get_json(
        force=True)["album"][0]["picnum"] == 1
    # The signed large_url serves the picture to the app's server (no session there).
    path = up["large_url"].removeprefix("https://zc.example")
    served = client.get(path)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_upload_without_albumid_goes_to_a_private_default_album(client, world) -> None:
    params = _legacy(world, world.token(PHOTO_SCOPES))
    up = client.post("/photo/upload_pic", data={**params, "picture": (
        io.BytesIO(picture("PNG")), "a.png")}, content_type="multipart/form-data")
    assert up.get_json(force=True)["ret"] == 0
    album = db.session.query(Album).one()
    assert album.privacy == "private" and album.photo_count == 1


def test_legacy_errors_are_http_200_with_ret(client, world) -> None:
    params = _legacy(world, world.token(PHOTO_SCOPES))
    bad = client.post("/photo/add_album", data={**params, "albumname": "x" * 31})
    assert bad.status_code == 200 and bad.get_json(force=True)["ret"] == 100051
    bad_priv = client.post("/photo/add_album", data={**params, "albumname": "ok", "priv": "9"})
    assert bad_priv.get_json(force=True)["ret"] == 100051
    missing = client.get("/photo/list_photo", query_string={**params, "albumid": "nope"})
    assert missing.get_json(force=True)["ret"] == 100055
    not_image = client.post("/photo/upload_pic", data={**params, "picture": (
        io.BytesIO(b"<svg onload=alert(1)>"), "x.svg")}, content_type="multipart/form-data")
    assert not_image.status_code == 200 and not_image.get_json(force=True)["ret"] == 100053
    no_part = client.post("/photo/upload_pic", data=params)
    assert no_part.get_json(force=True)["ret"] == 100051
    assert db.session.query(Photo).count() == 0


def test_scopes_are_required(client, world) -> None:
    token = world.token(["get_user_info"])
    params = _legacy(world, token)
    answer = client.get("/photo/list_album", query_string=params).get_json(force=True)
    assert answer["ret"] == 100030
    wrong_pair = client.get("/photo/list_album", query_string={
        **params, "openid": "someone-else"}).get_json(force=True)
    assert wrong_pair["ret"] == 100016


def test_an_app_never_reaches_another_users_album(client, world, factory) -> None:
    bob = factory.user("bobby")
    bob_token = world.token(PHOTO_SCOPES, user=bob)
    bob_album = client.post("/photo/add_album", data={
        **_legacy(world, bob_token), "albumname": "bob's"}).get_json(force=True)["albumid"]
    params = _legacy(world, world.token(PHOTO_SCOPES))
    answer = client.get("/photo/list_photo", query_string={**params, "albumid": bob_album})
    assert answer.get_json(force=True)["ret"] == 100055
    up = client.post("/photo/upload_pic", data={**params, "albumid": bob_album, "picture": (
        io.BytesIO(picture()), "a.jpg")}, content_type="multipart/form-data")
    assert up.get_json(force=True)["ret"] == 100055

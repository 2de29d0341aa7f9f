"""Editing the profile, uploading avatars, changing the password."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gateway.accounts.avatars import SIZES
from gateway.accounts.models import AvatarImage, User
from gateway.extensions import db
from tests.conftest import csrf_from


@pytest.fixture
def alice(factory, auth):
    user = factory.user("alice", "alice-password")
    auth.login("alice", "alice-password")
    return user


def png_bytes(width=300, height=200, colour=(200, 30, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


def profile_token(client) -> str:
    return csrf_from(client.get("/account/profile").get_data(as_text=True))


def test_profile_requires_login(client):
    response = client.get("/account/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_profile_edit_saves_fields(client, alice):
    response = client.post("/account/profile", data={
        "csrf_token": profile_token(client), "nickname": "小爱", "gender": "female",
        "province": "广东", "city": "深圳", "birth_year": "1995", "feed_visibility": "friends"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, alice.id)
    assert (user.nickname, user.gender, user.province, user.city, user.birth_year,
            user.feed_visibility) == ("小爱", "female", "广东", "深圳", 1995, "friends")


@pytest.mark.parametrize("field,value", [
    ("nickname", ""), ("nickname", "x" * 500), ("gender", "robot"), ("birth_year", "abc"),
    ("birth_year", "1800"), ("feed_visibility", "everyone"), ("city", "c" * 100)])
def test_bad_profile_input_is_refused_and_changes_nothing(client, alice, field, value):
    data = {"csrf_token": profile_token(client), "nickname": "Alice", "gender": "",
            "province": "", "city": "", "birth_year": "", "feed_visibility": "public"}
    data[field] = value
    response = client.post("/account/profile", data=data)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, alice.id).nickname == "alice"


def test_profile_without_csrf_is_refused(client, alice):
    response = client.post("/account/profile", data={"nickname": "Hacked",
                                                     "feed_visibility": "public"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, alice.id).nickname == "alice"


def test_avatar_upload_renders_every_size(client, alice):
    old_key = alice.avatar_key
    response = client.post("/account/avatar", data={
        "csrf_token": profile_token(client), "avatar": (io.BytesIO(png_bytes()), "me.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, alice.id)
    assert user.has_avatar and user.avatar_key != old_key
    for size in SIZES:
        served = client.get(f"/avatars/{user.avatar_key}/{size}")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(served.data)).size == (size, size)
    assert client.get(f"/avatars/{old_key}/100").status_code == 404


def test_default_avatar_is_generated(client, alice):
    served = client.get(f"/avatars/{alice.avatar_key}/640")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert Image.open(io.BytesIO(served.data)).size == (640, 640)
    assert client.get(f"/avatars/{alice.avatar_key}/41").status_code == 404


@pytest.mark.parametrize("payload,name", [
    (b"%PDF-1.4 not an image", "doc.pdf"),
    (b"", "empty.png"),
    (png_bytes()[:60], "truncated.png"),
    (b"GIF89a" + b"\x00" * 20, "bad.gif"),
])
def test_non_images_are_refused(client, alice, payload, name):
    response = client.post("/account/avatar", data={
        "csrf_token": profile_token(client), "avatar": (io.BytesIO(payload), name)},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.query(AvatarImage).count() == 0


def test_twenty_megabyte_upload_is_refused(client, alice):
    token = profile_token(client)
    response = client.post("/account/avatar", data={
        "csrf_token": token, "avatar": (io.BytesIO(b"\xff" * (20 * 1024 * 1024)), "big.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert db.session.query(AvatarImage).count() == 0


def test_decompression_bomb_is_refused(client, alice, app):
    app.config["ZC_AVATAR_MAX_PIXELS"] = 1000
    response = client.post("/account/avatar", data={
        "csrf_token": profile_token(client),
        "avatar": (io.BytesIO(png_bytes(100, 100)), "bomb.png")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)


def test_password_change_logs_out_other_sessions(app, client, alice, auth):
    other = app.test_client()
    token = csrf_from(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"username": "alice", "password": "alice-password",
                               "csrf_token": token})
    assert other.get("/account/profile").status_code == 200
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    response = client.post("/account/password", data={
        "csrf_token": token, "current_password": "alice-password",
        "new_password": "new-password-1", "confirm": "new-password-1"})
    assert response.status_code == 302
    assert client.get("/account/profile").status_code == 200
    assert other.get("/account/profile").status_code == 302
    auth.logout()
    assert auth.login("alice", "new-password-1").status_code == 302


def test_password_change_needs_current_password(client, alice):
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    response = client.post("/account/password", data={
        "csrf_token": token, "current_password": "wrong", "new_password": "new-password-1",
        "confirm": "new-password-1"})
    assert response.status_code == 400
    assert "not your current password" in response.get_data(as_text=True)

"""Album pages and photo files: privacy for strangers, friends, blocked users; owner actions."""

from __future__ import annotations

import io
import re

import pytest

from gateway.albums import services
from gateway.albums.models import Album, Photo
from gateway.extensions import db
from gateway.friends import services as friends
from tests.albums.conftest import picture
from tests.conftest import csrf_from


def _make(owner, privacy: str, **extra) -> tuple[Album, Photo]:
    album = services.create_album(owner.id, {"name": f"{privacy} album", "privacy": privacy,
                                             **extra})
    photo = services.add_photo(album, owner.id, io.BytesIO(picture()), title="pic")
    db.session.commit()
    return album, photo


@pytest.fixture
def people(factory):
    owner, friend, stranger, blocked = (factory.user(n) for n in
                                        ("owner", "friend", "stranger", "blocked"))
    friends.make_friends(owner.id, friend.id)
    friends.block(owner.id, blocked.id)
    db.session.commit()
    return {"owner": owner, "friend": friend, "stranger": stranger, "blocked": blocked}


EXPECTED = {  # privacy -> who sees it: anonymous, friend, stranger, blocked, owner
    "public": (True, True, True, False, True),
    "friends": (False, True, False, False, True),
    "private": (False, False, False, False, True),
}


@pytest.mark.parametrize("privacy", list(EXPECTED))
def test_privacy_on_pages_and_photo_files(client, auth, people, privacy) -> None:
    album, photo = _make(people["owner"], privacy)
    page, file_ = f"/albums/{album.key}", f"/photos/{photo.key}/medium"
    for who, allowed in zip([None, "friend", "stranger", "blocked", "owner"], EXPECTED[privacy],
                            strict=True):
        if who:
            auth.login(who)
        listing = client.get("/space/owner/albums").get_data(as_text=True)
        assert (album.name in listing) is allowed, (who, privacy)
        assert client.get(page).status_code == (200 if allowed else 404), (who, privacy)
        served = client.get(file_)
        assert served.status_code == (200 if allowed else 404), (who, privacy)
        if allowed:
            assert served.mimetype == "image/jpeg"
        if who:
            auth.logout()


def test_question_album_opens_with_the_answer_only(client, auth, people) -> None:
    album, photo = _make(people["owner"], "question", question="Our cat's name?",
                         answer="Mimi ")
    page = client.get(f"/albums/{album.key}").get_data(as_text=True)
    assert "Our cat&#39;s name?" in page and f"/photos/{photo.key}/" not in page
    assert client.get(f"/photos/{photo.key}/small").status_code == 404
    token = csrf_from(page)
    client.post(f"/albums/{album.key}/answer", data={"csrf_token": token, "answer": "Tom"})
    assert f"/photos/{photo.key}/" not in client.get(f"/albums/{album.key}").get_data(
        as_text=True)
    client.post(f"/albums/{album.key}/answer", data={"csrf_token": token, "answer": "  mimi"})
    assert f"/photos/{photo.key}/" in client.get(f"/albums/{album.key}").get_data(as_text=True)
    assert client.get(f"/photos/{photo.key}/small").status_code == 200
    assert "Mimi" not in album.answer_digest


def test_signed_urls_work_without_a_session_and_only_untampered(client, people, app) -> None:
    album, photo = _make(people["owner"], "private")
    with app.test_request_context(base_url="https://zc.example"):
        from gateway.albums.wire import photo_url

        url = photo_url(album, photo, "large").removeprefix("http://zc.example")
    url = re.sub(r"^https?://[^/]+", "", url)
    assert client.get(url).status_code == 200
    assert client.get(url[:-2] + ("AA" if not url.endswith("AA") else "BB")).status_code == 404
    small = url.replace("/large?", "/small?")  # signed for one rendition only
    assert client.get(small).status_code == 404
    app.config["ZC_PHOTO_URL_TTL"] = -1
    assert client.get(url).status_code == 404


def test_owner_creates_uploads_covers_and_deletes_through_pages(client, auth, people) -> None:
    auth.login("owner")
    page = client.get("/space/owner/albums").get_data(as_text=True)
    assert "New album" in page
    created = client.post("/space/owner/albums", data={
        "csrf_token": csrf_from(page), "name": "Holiday", "privacy": "public"})
    album = db.session.query(Album).filter_by(name="Holiday").one()
    assert created.headers["Location"].endswith(f"/albums/{album.key}")
    page = client.get(f"/albums/{album.key}").get_data(as_text=True)
    token = csrf_from(page)
    for title in ("first", "second"):
        answer = client.post(f"/albums/{album.key}/photos", data={
            "csrf_token": token, "title": title,
            "picture": (io.BytesIO(picture()), f"{title}.jpg")},
            content_type="multipart/form-data")
        assert answer.status_code == 303
    db.session.expire_all()
    first, second = sorted(db.session.query(Photo).all(), key=lambda p: p.id)
    assert album.cover_photo_id == first.id and album.photo_count == 2
    client.post(f"/albums/{album.key}/photos/{second.key}/cover", data={"csrf_token": token})
    db.session.expire_all()
    assert album.cover_photo_id == second.id
    client.post(f"/albums/{album.key}/photos/{second.key}/delete", data={"csrf_token": token})
    db.session.expire_all()
    assert album.cover_photo_id == first.id and album.photo_count == 1
    bad = client.post(f"/albums/{album.key}/photos", data={
        "csrf_token": token, "picture": (io.BytesIO(b"<script>"), "x.html")},
        content_type="multipart/form-data")
    assert bad.status_code == 303
    assert "That file is not a picture we can read." in client.get(
        f"/albums/{album.key}").get_data(as_text=True)
    client.post(f"/albums/{album.key}/delete", data={"csrf_token": token})
    assert db.session.query(Album).count() == 0 and db.session.query(Photo).count() == 0


def test_strangers_cannot_change_an_album(client, auth, people) -> None:
    album, photo = _make(people["owner"], "public")
    auth.login("stranger")
    token = csrf_from(client.get(f"/albums/{album.key}").get_data(as_text=True))
    assert client.post(f"/albums/{album.key}/photos", data={
        "csrf_token": token, "picture": (io.BytesIO(picture()), "a.jpg")},
        content_type="multipart/form-data").status_code == 403
    assert client.post(f"/albums/{album.key}/photos/{photo.key}/delete",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"/albums/{album.key}/delete", data={"csrf_token": token}).status_code \
        == 403
    assert client.post("/space/owner/albums", data={"csrf_token": token,
                                                    "name": "x"}).status_code == 403
    assert db.session.query(Photo).count() == 1


def test_space_links_to_albums_and_bad_keys_are_404(client, people) -> None:
    assert "/space/owner/albums" in client.get("/space/owner").get_data(as_text=True)
    for path in ("/albums/..%2F..", "/albums/zz", "/photos/x/large", "/photos/abc/huge",
                 "/space/%00/albums", "/space/nobody/albums"):
        assert client.get(path).status_code == 404, path


def test_s3_backend_serves_the_same_photos(client, people, app, s3_endpoint, s3_bucket) -> None:
    from gateway.storage import from_url

    app.extensions["zc_storage"] = from_url(f"s3://{s3_bucket}/photos", app.instance_path,
                                            s3_endpoint)
    album, photo = _make(people["owner"], "public")
    served = client.get(f"/photos/{photo.key}/small")
    assert served.status_code == 200 and served.data[:2] == b"\xff\xd8"
    store = app.extensions["zc_storage"]
    assert store.size(services.storage_key(album, photo, "large")) > 0

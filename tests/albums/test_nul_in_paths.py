"""NUL and other control bytes in the path segments of the community pages (/space/<name>, its
albums, albums, photos, groups, friends) answer a clean 404, never a 500: PostgreSQL refuses NUL
in text, so the route refuses the value before it reaches a query. Invalid UTF-8 (read as U+FFFD)
is an ordinary unknown name: a 404 page, or the friends page's "no such user" redirect."""

from __future__ import annotations

import io

import pytest

from gateway.albums import services
from gateway.extensions import db
from tests.albums.conftest import picture
from tests.conftest import csrf_from

CONTROL = ["%00", "a%00b", "%01", "%7F"]
BAD = [*CONTROL, "%FF", "%C3%28"]  # and invalid UTF-8
GETS = ["/space/{x}", "/space/{x}/albums", "/albums/{x}", "/photos/{x}/medium",
        "/photos/{photo}/{x}", "/groups/{x}"]
POSTS = ["/space/{x}/albums", "/albums/{x}/answer", "/albums/{x}/photos",
         "/albums/{x}/delete", "/albums/{x}/photos/{photo}/cover",
         "/albums/{album}/photos/{x}/cover", "/albums/{album}/photos/{x}/delete",
         "/groups/{x}/join", "/groups/{x}/leave", "/groups/1/apps/{x}/uninstall",
         "/friends/{x}/add", "/friends/owner/{x}"]


@pytest.fixture
def owned(factory):
    owner = factory.user("owner")
    album = services.create_album(owner.id, {"name": "Trip", "privacy": "public"})
    photo = services.add_photo(album, owner.id, io.BytesIO(picture()), title="pic")
    db.session.commit()
    return {"album": album.key, "photo": photo.key}


@pytest.mark.parametrize("bad", BAD)
def test_bad_bytes_in_community_paths_are_404_on_every_database(client, auth, owned,
                                                                bad) -> None:
    for who in (None, "owner"):
        if who:
            auth.login(who)
        for route in GETS:
            path = route.format(x=bad, **owned)
            assert client.get(path).status_code == 404, (who, path)
        if who:
            token = csrf_from(client.get("/space/owner/albums").get_data(as_text=True))
            for route in POSTS:
                path = route.format(x=bad, **owned)
                response = client.post(path, data={"csrf_token": token, "answer": "x",
                                                   "name": "n", "privacy": "public"})
                expected = {404} if bad in CONTROL else {302, 404}
                assert response.status_code in expected, (path, response.status_code)
    assert client.get(f"/albums/{owned['album']}").status_code == 200  # the real one still is

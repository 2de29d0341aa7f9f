"""The share intent, the space feed (escaping, visibility, via links) and the button docs."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from sqlalchemy import select

from gateway.extensions import db
from gateway.shares.models import Share
from gateway.shares.services import create
from gateway.usage.models import ShareDaily
from gateway.usage.recorder import flush
from tests.conftest import csrf_from

INTENT = "/share?" + urlencode({"url": "https://blog.example/post", "title": "My post",
                                "summary": "About it",
                                "pics": "https://blog.example/a.png|https://blog.example/b.png"})


def test_intent_sends_anonymous_users_to_login_and_back(client, auth, world) -> None:
    response = client.get(INTENT)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    login = auth.login("alice", next=INTENT)
    assert login.status_code == 302 and login.headers["Location"] == INTENT


def test_intent_preview_confirm_and_button_count(client, auth, world) -> None:
    auth.login("alice")
    page = client.get(INTENT)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "My post" in html
    assert "2 image links will be attached" in html
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert '<button class="button" type="submit" name="confirm" value="yes">' in html
    no_csrf = client.post(INTENT, data={"confirm": "yes"})
    assert no_csrf.status_code == 400
    done = client.post(INTENT, data={"confirm": "yes", "csrf_token": csrf_from(html),
                                     "comment": "read this"})
    assert done.status_code == 200 and "Shared" in done.get_data(as_text=True)
    db.session.expire_all()
    share = db.session.scalars(select(Share)).one()
    assert (share.user_id, share.app_id, share.source, share.site, share.comment) == (
        world.user.id, None, "button", "blog.example", "read this")
    assert share.images == ["https://blog.example/a.png", "https://blog.example/b.png"]
    flush()
    row = db.session.scalars(select(ShareDaily)).one()
    assert (row.app_id, row.source, row.site, row.count) == (0, "button", "blog.example", 1)


def test_intent_refused_or_invalid_stores_nothing(client, auth, world) -> None:
    auth.login("alice")
    html = client.get(INTENT).get_data(as_text=True)
    refused = client.post(INTENT, data={"confirm": "no", "csrf_token": csrf_from(html)})
    assert "Not shared" in refused.get_data(as_text=True)
    bad = client.get("/share?url=javascript:alert(1)")
    assert bad.status_code == 422 and "cannot be shared" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(Share)).all() == []


def _seed(world, **fields) -> Share:
    data = {"title": "t", "url": "https://a.example/", "summary": "", "comment": "",
            "images": [], "site": "a.example", "fromurl": "", **fields}
    share = create(world.user.id, world.app.id, data, "api")
    db.session.commit()
    return share


def test_feed_escapes_everything_and_links_the_app(client, world) -> None:
    _seed(world, title="<script>alert(1)</script>", comment="<b>bold</b>",
          images=["https://evil.example/x.png"])
    html = client.get("/space/alice").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'via <a href="https://site.example/"' in html and "Demo Site</a>" in html
    # Third-party images are linked, never loaded (CSP img-src 'self').
    assert not re.search(r"<img[^>]+evil\.example", html)
    assert 'href="https://evil.example/x.png"' in html


def test_unsafe_app_website_is_not_a_link(client, world) -> None:
    world.app.website = "javascript:alert(1)"
    db.session.commit()
    _seed(world)
    html = client.get("/space/alice").get_data(as_text=True)
    assert "javascript:" not in html and "via Demo Site" in html


def test_friends_only_feed_is_shown_to_its_owner_and_friends(client, auth, world, factory) -> None:
    from gateway.friends import services as friends

    _seed(world, title="secret post")
    world.user.feed_visibility = "friends"
    db.session.commit()
    bob = factory.user("bob")
    carol = factory.user("carol")
    friends.make_friends(world.user.id, carol.id)
    db.session.commit()
    anonymous = client.get("/space/alice").get_data(as_text=True)
    assert "secret post" not in anonymous and "friends only" in anonymous
    auth.login("bob")
    assert "secret post" not in client.get("/space/alice").get_data(as_text=True)
    auth.logout()
    auth.login("carol")
    assert "secret post" in client.get("/space/alice").get_data(as_text=True)
    auth.logout()
    auth.login("alice")
    assert "secret post" in client.get("/space/alice").get_data(as_text=True)
    assert bob.id


def test_feed_pages_and_unknown_users(client, world) -> None:
    for i in range(22):
        _seed(world, title=f"post-{i:02d}")
    first = client.get("/space/alice").get_data(as_text=True)
    assert "post-21" in first and "post-01" not in first
    older = re.search(r'href="(/space/alice\?before=\d+)"', first)
    assert older is not None
    second = client.get(older.group(1)).get_data(as_text=True)
    assert "post-01" in second and "post-21" not in second
    assert client.get("/space/nobody").status_code == 404
    assert client.get("/space/alice?before=x").status_code == 200


def test_share_button_script_and_docs(client, world) -> None:
    script = client.get("/static/share-button.js")
    assert script.status_code == 200 and b"zc-share-button" in script.data
    assert b"window.open" in script.data and b"http" not in script.data.split(b"*/", 1)[1]
    docs = client.get("/docs/share-button").get_data(as_text=True)
    assert "https://zc.example/static/share-button.js" in docs
    assert "<script" not in docs.split("<main", 1)[1]  # the snippet is shown escaped


def test_my_space_is_one_click_away(client, auth, factory) -> None:
    """"My space" in the account menu and the home page's space link land on your own feed."""
    factory.user("alice")
    assert client.get("/space").status_code == 302  # anonymous: log in first
    auth.login("alice")
    assert client.get("/space").headers["Location"] == "/space/alice"
    home = client.get("/").get_data(as_text=True)
    assert 'href="/space">My space</a>' in home  # the account menu
    assert 'id="my-space-link" href="/space"' in home

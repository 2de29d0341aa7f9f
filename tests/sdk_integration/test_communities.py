"""The SDK's `client.groups` and `client.albums` (sync and async) against the real platform."""

from __future__ import annotations

import asyncio
import io

import pytest
import zoneconnect
from PIL import Image

from gateway.apps import services as apps
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from gateway.groupapps import services as group_apps
from gateway.groups import services as groups
from gateway.oauth import tokens

SCOPES = ["get_user_info", "get_group_list", "get_group_info", "get_group_members",
          "send_group_msg", "list_album", "add_album", "upload_pic"]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def community(app, live_server, factory, tmp_path):
    from gateway.storage import from_url

    app.extensions["zc_storage"] = from_url(None, str(tmp_path))
    devon, alice, bob = factory.user("devon"), factory.user("alice"), factory.user("bobby")
    site, appkey = apps.create_app(devon, name="Club Site", live=True, scopes=SCOPES[1:],
                                   redirect_uris=["http://127.0.0.1:9/callback"])
    club = groups.create_group(alice.id, {"name": "Demo Club"})
    groups.add_member(club, bob.id)
    group_openid = group_apps.install(club, alice.id, site).group_openid
    issued = []
    for user in (alice, bob):
        record_consent(user.id, site.id, SCOPES)
        issued.append(tokens.issue_tokens(site, user.id, SCOPES, grant_type="authorization_code"))
    db.session.commit()
    token = zoneconnect.Token(access_token=issued[0].access_token)
    return {"url": live_server.url, "appid": site.appid, "appkey": appkey, "token": token,
            "group_openid": group_openid, "openids": {i.openid for i in issued}}


def test_blocking_groups_and_albums(community) -> None:
    with zoneconnect.Client(app_id=community["appid"], app_key=community["appkey"],
                            base_url=community["url"], max_retries=0) as client:
        token = community["token"]
        [group] = client.groups.list(token)
        assert group.group_openid == community["group_openid"] and group.name == "Demo Club"
        assert client.groups.retrieve(token, group.group_openid).daily_post_quota == 20
        page = client.groups.members(token, group.group_openid, limit=1)
        assert len(page.data) == 1 and page.next is not None
        rest = client.groups.members(token, group.group_openid, after=page.next)
        assert {m.openid for m in page.data + rest.data} == community["openids"]
        sent = client.groups.send_message(token, group.group_openid, "Hello from the SDK")
        assert sent.posts_left_today == 19
        album = client.albums.create(token, name="SDK album", privacy="friends")
        photo = client.albums.upload(token, album.id, _jpeg(), filename="a.jpg",
                                     content_type="image/jpeg", title="blue")
        assert (photo.width, photo.height) == (320, 200) and "?s=" in photo.urls["large"]
        assert [p.id for p in client.albums.photos(token, album.id)] == [photo.id]
        assert client.albums.list(token)[0].photo_count == 1
        with pytest.raises(zoneconnect.APIError) as caught:
            client.albums.upload(token, album.id, b"<html>", filename="x.html")
        assert caught.value.status_code == 415
        with pytest.raises(zoneconnect.NotFoundError):
            client.groups.retrieve(token, "F" * 32)


def test_async_groups_and_albums(community) -> None:
    async def run() -> None:
        async with zoneconnect.AsyncClient(app_id=community["appid"],
                                           app_key=community["appkey"],
                                           base_url=community["url"], max_retries=0) as client:
            token = community["token"]
            groups_seen = await client.groups.list(token)
            assert [g.group_openid for g in groups_seen] == [community["group_openid"]]
            album = await client.albums.create(token, name="Async album")
            photo = await client.albums.upload(token, album.id, _jpeg())
            assert (await client.albums.photos(token, album.id))[0].id == photo.id

    asyncio.run(run())

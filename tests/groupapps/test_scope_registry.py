"""Every scope in the registry has a working API: the test walks the registry and calls each.

A scope added to gateway/apps/scopes.py without an entry here fails the test, so nothing is
advertised (discovery, the permission form, the consent page) without an API behind it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from gateway.apps.scopes import SCOPES
from gateway.apps.services import create_app
from gateway.extensions import db
from gateway.friends import services as friends
from gateway.groupapps import services as group_apps
from gateway.groups import services as groups
from tests.albums.conftest import picture
from tests.money_helpers import basic
from tests.openapi.world import World

Call = Callable[[Any, dict[str, Any]], Any]


def _legacy(ctx: dict[str, Any]) -> dict[str, str]:
    return {"access_token": ctx["token"].access_token, "oauth_consumer_key": ctx["appid"],
            "openid": ctx["token"].openid}


def _bearer(ctx: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {ctx['token'].access_token}"}


def _ret0(answer: Any) -> bool:
    return answer.status_code == 200 and answer.get_json(force=True)["ret"] == 0


CALLS: dict[str, Callable[[Any, dict[str, Any]], bool]] = {
    "get_user_info": lambda c, x: _ret0(c.get("/user/get_user_info", query_string=_legacy(x))),
    "get_simple_userinfo": lambda c, x: _ret0(c.get("/user/get_simple_userinfo",
                                                    query_string=_legacy(x))),
    "openid": lambda c, x: c.get("/oauth2/userinfo", headers=_bearer(x)).status_code == 200,
    "profile": lambda c, x: "nickname" in c.get("/oauth2/userinfo",
                                                headers=_bearer(x)).get_json(),
    "email": lambda c, x: c.get("/oauth2/userinfo", headers=_bearer(x)).get_json().get(
        "email") == "alice@example.com",
    "add_share": lambda c, x: c.post("/api/v1/shares", json={
        "title": "t", "url": "https://example.com/"}, headers=_bearer(x)).status_code == 201,
    "get_vip_info": lambda c, x: _ret0(c.get("/user/get_vip_info", query_string=_legacy(x))),
    "list_album": lambda c, x: _ret0(c.get("/photo/list_album", query_string=_legacy(x))),
    "add_album": lambda c, x: _ret0(c.post("/photo/add_album", data={
        **_legacy(x), "albumname": "a"})),
    "upload_pic": lambda c, x: _ret0(c.post("/photo/upload_pic", data={
        **_legacy(x), "picture": (io.BytesIO(picture()), "p.jpg")},
        content_type="multipart/form-data")),
    "check_page_fans": lambda c, x: c.get("/user/check_page_fans", query_string={
        **_legacy(x), "page_id": "pagecorp"}).get_json(force=True)["isfans"] == 1,
    "get_group_list": lambda c, x: len(c.get("/api/v1/groups", headers=_bearer(x)).get_json()[
        "data"]) == 1,
    "get_group_info": lambda c, x: c.get(f"/api/v1/groups/{x['group_openid']}",
                                         headers=_bearer(x)).status_code == 200,
    "get_group_members": lambda c, x: c.get(f"/api/v1/groups/{x['group_openid']}/members",
                                            headers=_bearer(x)).status_code == 200,
    "send_group_msg": lambda c, x: c.post(f"/api/v1/groups/{x['group_openid']}/messages",
                                          json={"content": "hi"},
                                          headers=_bearer(x)).status_code == 201,
    "pay": lambda c, x: c.post("/api/v1/payments/orders", json={
        "openid": x["token"].openid, "amount": 1, "item_id": "i", "item_name": "n"},
        headers=basic(x["appid"], x["appkey"])).status_code == 201,
}


def test_every_scope_in_the_registry_has_a_working_api(client, factory, tmp_path, app) -> None:
    app.config["ZC_STORAGE_URL"] = None
    from gateway.storage import from_url

    app.extensions["zc_storage"] = from_url(None, str(tmp_path))
    assert set(CALLS) == set(SCOPES), "every registry scope needs a call here (or removal)"
    developer, page = factory.user("devon"), factory.user("pagecorp")
    user = factory.user("alice", email="alice@example.com")
    every = sorted(SCOPES)
    oauth_app, appkey = create_app(developer, name="All Scopes", live=True, scopes=every,
                                   redirect_uris=["https://all.example/cb"])
    friends.make_friends(user.id, page.id)
    group = groups.create_group(user.id, {"name": "G"})
    group_openid = group_apps.install(group, user.id, oauth_app).group_openid
    db.session.commit()
    token = World(developer, user, oauth_app, appkey).token(every)
    ctx = {"token": token, "appid": oauth_app.appid, "appkey": appkey,
           "group_openid": group_openid}
    failing = [name for name, call in CALLS.items() if not call(client, ctx)]
    assert failing == []

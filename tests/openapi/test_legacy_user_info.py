"""Legacy /user/* endpoints: exact bytes, field types and order, Content-Type, every error."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from gateway.apps.models import AppPermission
from gateway.authorizations.services import revoke
from gateway.extensions import db
from gateway.oauth.models import OAuthToken
from gateway.timeutil import utcnow

STRING_FIELDS = ["msg", "nickname", "gender", "province", "city", "year", "constellation",
                 "figureurl", "figureurl_1", "figureurl_2", "figureurl_qq_1", "figureurl_qq_2",
                 "figureurl_qq", "figureurl_type", "is_yellow_vip", "vip", "yellow_vip_level",
                 "level", "is_yellow_year_vip"]
INT_FIELDS = ["ret", "is_lost", "gender_type"]


def _params(world: Any, token: str, **extra: str) -> dict[str, str]:
    return {"access_token": token, "oauth_consumer_key": world.app.appid,
            "openid": world.token_openid, **extra}


@pytest.fixture
def issued(world: Any) -> Any:
    issued = world.token()
    world.token_openid = issued.row.openid
    return issued


def test_get_user_info_exact_bytes(client, world, issued) -> None:
    response = client.get("/user/get_user_info", query_string=_params(world, issued.access_token))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    key = world.user.avatar_key
    base = f"https://zc.example/avatars/{key}/"
    expected = (
        '{"ret":0,"msg":"","is_lost":0,"nickname":"小明","gender":"女","gender_type":1,'
        '"province":"广东","city":"深圳","year":"1990","constellation":"",'
        f'"figureurl":"{base}30","figureurl_1":"{base}50","figureurl_2":"{base}100",'
        f'"figureurl_qq_1":"{base}40","figureurl_qq_2":"{base}100","figureurl_qq":"{base}640",'
        '"figureurl_type":"1","is_yellow_vip":"0","vip":"0","yellow_vip_level":"0","level":"0",'
        '"is_yellow_year_vip":"0"}')
    assert response.data == expected.encode("utf-8")
    assert "小明".encode() in response.data  # UTF-8 bytes, not \\u escapes


def test_get_user_info_types(client, world, issued) -> None:
    body = json.loads(client.get("/user/get_user_info",
                                 query_string=_params(world, issued.access_token)).data)
    assert list(body) == ["ret", "msg", "is_lost", "nickname", "gender", "gender_type",
                          "province", "city", "year", "constellation", "figureurl",
                          "figureurl_1", "figureurl_2", "figureurl_qq_1", "figureurl_qq_2",
                          "figureurl_qq", "figureurl_type", "is_yellow_vip", "vip",
                          "yellow_vip_level", "level", "is_yellow_year_vip"]
    for name in STRING_FIELDS:
        assert isinstance(body[name], str), name
    for name in INT_FIELDS:
        assert type(body[name]) is int, name


def test_gender_defaults_to_male_and_base_url_from_request(client, world, issued, app) -> None:
    world.user.gender = None
    world.user.birth_year = None
    db.session.commit()
    app.config.update(ZC_BASE_URL=None, ZC_PUBLIC_URL=None, ZC_ISSUER=None)  # none configured
    body = json.loads(client.get("/user/get_user_info",
                                 query_string=_params(world, issued.access_token)).data)
    assert (body["gender"], body["gender_type"], body["year"]) == ("男", 2, "0")
    assert body["figureurl_qq"] == f"http://localhost/avatars/{world.user.avatar_key}/640"
    avatar = client.get(body["figureurl_qq"].removeprefix("http://localhost"))
    assert avatar.status_code == 200 and avatar.mimetype.startswith("image/")


def test_token_in_header_or_form_works_too(client, world, issued) -> None:
    params = _params(world, issued.access_token)
    del params["access_token"]
    headers = {"Authorization": f"Bearer {issued.access_token}"}
    assert json.loads(client.get("/user/get_user_info", query_string=params,
                                 headers=headers).data)["ret"] == 0
    form = _params(world, issued.access_token)
    assert json.loads(client.post("/user/get_user_info", data=form).data)["ret"] == 0


def test_simple_userinfo_and_vip_info(client, world, issued) -> None:
    params = _params(world, issued.access_token)
    simple = client.get("/user/get_simple_userinfo", query_string=params)
    assert simple.headers["Content-Type"] == "text/html; charset=utf-8"
    body = json.loads(simple.data)
    assert list(body) == ["ret", "msg", "is_lost", "nickname", "figureurl_qq_1",
                          "figureurl_qq_2", "figureurl_qq"]
    assert body["nickname"] == "小明" and body["is_lost"] == 0
    vip = client.get("/user/get_vip_info", query_string=params)
    assert vip.data == (b'{"ret":0,"msg":"","is_yellow_vip":"0","vip":"0",'
                        b'"yellow_vip_level":"0","level":"0","is_yellow_year_vip":"0"}')


def _error(client, path: str, params: dict[str, str]) -> tuple[int, bytes, str]:
    response = client.get(path, query_string=params)
    return response.status_code, response.data, response.headers["Content-Type"]


def test_missing_and_illegal_tokens(client, world, issued) -> None:
    params = _params(world, issued.access_token)
    del params["access_token"]
    assert _error(client, "/user/get_user_info", params) == (
        200, b'{"ret":100007,"msg":"access_token missing"}', "text/html; charset=utf-8")
    status, body, _ = _error(client, "/user/get_user_info", {**params, "access_token": "X" * 32})
    assert (status, body) == (200, b'{"ret":100013,"msg":"access token is illegal"}')


def test_expired_and_revoked_tokens(client, world, issued) -> None:
    row = db.session.get(OAuthToken, issued.row.id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    params = _params(world, issued.access_token)
    assert json.loads(_error(client, "/user/get_user_info", params)[1])["ret"] == 100014
    row = db.session.get(OAuthToken, issued.row.id)
    row.expires_at, row.revoked_at = utcnow() + timedelta(days=1), utcnow()
    db.session.commit()
    assert json.loads(_error(client, "/user/get_user_info", params)[1])["ret"] == 100015


def test_wrong_consumer_key_or_openid_is_100016(client, world, issued) -> None:
    params = _params(world, issued.access_token)
    for bad in ({"oauth_consumer_key": "101999999"}, {"openid": "A" * 32},
                {"oauth_consumer_key": ""}, {"openid": ""}):
        body = json.loads(_error(client, "/user/get_user_info", {**params, **bad})[1])
        assert body == {"ret": 100016, "msg": "access token check failed"}


def test_scope_declined_is_100030_and_permission_missing_is_100031(client, world) -> None:
    issued = world.token(["get_user_info"])
    world.token_openid = issued.row.openid
    params = _params(world, issued.access_token)
    body = json.loads(_error(client, "/user/get_vip_info", params)[1])
    assert body["ret"] == 100030
    # The app loses its get_vip_info permission: the app-side check comes first.
    for perm in world.app.permissions:
        if perm.scope == "get_vip_info":
            perm.status = "refused"
    db.session.commit()
    assert json.loads(_error(client, "/user/get_vip_info", params)[1])["ret"] == 100031
    db.session.execute(db.delete(AppPermission).where(AppPermission.scope == "get_vip_info"))
    db.session.commit()
    assert json.loads(_error(client, "/user/get_vip_info", params)[1])["ret"] == 100031


def test_withdrawn_grant_is_100030_and_suspended_app_is_100011(client, world, issued) -> None:
    params = _params(world, issued.access_token)
    world.app.status = "suspended"
    db.session.commit()
    assert json.loads(_error(client, "/user/get_user_info", params)[1])["ret"] == 100011
    world.app.status = "live"
    revoke(world.user.id, world.app.id)
    db.session.commit()
    assert json.loads(_error(client, "/user/get_user_info", params)[1])["ret"] == 100030


def test_unknown_and_repeated_parameters_are_ignored(client, world, issued) -> None:
    query = (f"access_token={issued.access_token}&oauth_consumer_key={world.app.appid}"
             f"&oauth_consumer_key={world.app.appid}&openid={world.token_openid}"
             "&format=json&fmt=json&state=x")
    assert json.loads(client.get("/user/get_user_info?" + query).data)["ret"] == 0

"""OIDC /oauth2/userinfo answers the same profile as /api/v1/me (one service behind both)."""

from __future__ import annotations

from gateway.extensions import db


def test_userinfo_and_me_agree(client, world) -> None:
    token = world.token(["openid", "profile", "get_user_info"]).access_token
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers).get_json()
    info = client.get("/oauth2/userinfo", headers=headers).get_json()
    assert info["sub"] == me["openid"]
    assert info["name"] == info["nickname"] == me["nickname"] == "小明"
    assert info["picture"] == me["avatars"]["100"]
    assert info["gender"] == me["gender"] == "female"


def test_userinfo_omits_an_unknown_gender(client, world) -> None:
    world.user.gender = None
    db.session.commit()
    token = world.token(["openid", "profile"]).access_token
    info = client.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert "gender" not in info.get_json()


def test_userinfo_locale_and_zoneinfo_are_the_accounts(client, world) -> None:
    token = world.token(["openid", "profile"]).access_token
    headers = {"Authorization": f"Bearer {token}"}
    info = client.get("/oauth2/userinfo", headers=headers).get_json()
    assert "locale" not in info  # never chose a language nor used the site: no claim
    assert info["zoneinfo"] == "Asia/Shanghai"  # the profile's default time zone
    world.user.language, world.user.timezone = "zh_Hans", "America/New_York"
    db.session.commit()
    info = client.get("/oauth2/userinfo", headers=headers).get_json()
    assert info["locale"] == "zh-Hans" and info["zoneinfo"] == "America/New_York"
    world.user.language, world.user.locale = None, "en"  # the language last used on the site
    db.session.commit()
    assert client.get("/oauth2/userinfo", headers=headers).get_json()["locale"] == "en"

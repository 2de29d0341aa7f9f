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

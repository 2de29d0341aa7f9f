"""REST GET /api/v1/me: the contract's shape and every error with its RFC 6750 header."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.extensions import db
from gateway.identity.models import UnionID
from gateway.oauth.models import OAuthToken
from gateway.timeutil import utcnow


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me_answers_the_contract_shape(client, world) -> None:
    issued = world.token(["get_user_info"])
    response = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert response.status_code == 200
    key = world.user.avatar_key
    assert response.get_json() == {
        "openid": issued.row.openid, "unionid": None, "nickname": "小明", "gender": "female",
        "province": "广东", "city": "深圳", "birth_year": 1990,
        "avatars": {str(s): f"https://zc.example/avatars/{key}/{s}"
                    for s in (30, 40, 50, 100, 640)}}
    assert response.headers["X-Request-ID"]


def test_unionid_only_when_the_app_may_see_it(client, world) -> None:
    world.app.unionid_enabled = True
    db.session.commit()
    issued = world.token(["get_user_info"])
    body = client.get("/api/v1/me", headers=_bearer(issued.access_token)).get_json()
    db.session.expire_all()
    stored = db.session.scalar(db.select(UnionID.unionid).where(
        UnionID.user_id == world.user.id))
    assert body["unionid"] == stored and stored.startswith("UID_")


def test_missing_token_is_401_without_error_code(client, world) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    # Both schemes are offered, neither with an error code (RFC 6750 §3.1, RFC 9449 §7.1).
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="ZoneConnect", DPoP algs="ES256 ES384 PS256 RS256 Ed25519"')
    body = response.get_json()
    assert (body["error"], body["ret"]) == ("invalid_token", 100007)
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_illegal_expired_revoked_tokens_are_401(client, world) -> None:
    issued = world.token(["get_user_info"])
    bad = client.get("/api/v1/me", headers=_bearer("0" * 32))
    assert bad.status_code == 401 and bad.get_json()["ret"] == 100013
    assert bad.headers["WWW-Authenticate"].startswith('Bearer realm="ZoneConnect", '
                                                      'error="invalid_token"')
    row = db.session.get(OAuthToken, issued.row.id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert expired.status_code == 401 and expired.get_json()["ret"] == 100014
    row = db.session.get(OAuthToken, issued.row.id)
    row.expires_at, row.revoked_at = utcnow() + timedelta(days=1), utcnow()
    db.session.commit()
    revoked = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert revoked.status_code == 401 and revoked.get_json()["ret"] == 100015


def test_token_in_the_query_string_is_refused(client, world) -> None:
    issued = world.token(["get_user_info"])
    response = client.get("/api/v1/me", query_string={"access_token": issued.access_token})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
    both = client.get("/api/v1/me", query_string={"access_token": issued.access_token},
                      headers=_bearer(issued.access_token))
    assert both.status_code == 400


def test_scope_missing_is_403_insufficient_scope(client, world) -> None:
    issued = world.token(["add_share"])
    response = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert response.status_code == 403
    body: dict[str, Any] = response.get_json()
    assert (body["error"], body["ret"]) == ("insufficient_scope", 100030)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="get_user_info"' in response.headers["WWW-Authenticate"]


def test_suspended_app_is_403_app_suspended(client, world) -> None:
    issued = world.token(["get_user_info"])
    world.app.status = "suspended"
    db.session.commit()
    response = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert response.status_code == 403
    assert (response.get_json()["error"], response.get_json()["ret"]) == ("app_suspended",
                                                                          100011)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_client_credentials_token_speaks_for_no_user(client, world) -> None:
    from gateway.oauth import tokens

    issued = tokens.issue_tokens(world.app, None, ["get_user_info"],
                                 grant_type="client_credentials", with_refresh=False)
    db.session.commit()
    response = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert response.status_code == 401 and response.get_json()["ret"] == 100016

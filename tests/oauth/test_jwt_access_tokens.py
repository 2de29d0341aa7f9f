"""RFC 9068 JWT access tokens (a per-app choice) and RFC 8707 resource indicators.

RFC 9068 §2.1: "JWT access tokens MUST include this media type in the typ header parameter"
(at+jwt); §2.2: iss, exp, aud, sub, client_id, iat and jti are required. The tokens are checked
here by PyJWT, a library the server does not use, against the published JWKS. A JWT is still
stored as a digest: revoking it refuses it at once on every resource endpoint and in
introspection, although its signature and `exp` stay valid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import jwt as pyjwt
import pytest

from gateway.extensions import db
from gateway.identity.services import openid_for
from tests.oauth.conftest import WEB_REDIRECT, pkce_pair, query_of

ISSUER = "http://localhost"
API = ISSUER + "/api/v1"


@pytest.fixture
def jwt_web(world: Any) -> Any:
    world.web.access_token_format = "jwt"
    db.session.commit()
    return world


def _code(browser: Any, world: Any, **extra: str) -> tuple[str, str]:
    """Log alice in, consent, return (code, verifier)."""
    verifier, challenge = pkce_pair()
    browser.login()
    params = {"response_type": "code", "client_id": world.web.appid,
              "scope": "openid get_user_info", "redirect_uri": WEB_REDIRECT, "state": "s",
              "code_challenge": challenge, "code_challenge_method": "S256", **extra}
    response = browser.consent("/oauth2/authorize", params)
    assert response.status_code == 302, response.get_data(as_text=True)
    found = query_of(response.headers["Location"])
    assert "code" in found, found
    return found["code"], verifier


def _token(client: Any, world: Any, code: str, verifier: str, **extra: str) -> Any:
    return client.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": verifier, **extra}, auth=(world.web.appid, world.web_key))


def verify(client: Any, token: str, audience: str = API) -> dict[str, Any]:
    """Verify a JWT access token with PyJWT and the JWKS, as a resource server would."""
    header = pyjwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
    keys = pyjwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").get_json())
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    claims: dict[str, Any] = pyjwt.decode(
        token, key.key, algorithms=["ES256"], audience=audience, issuer=ISSUER,
        options={"require": ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"]})
    return claims


def _me(client: Any, token: str) -> Any:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def _introspect(client: Any, world: Any, token: str) -> dict[str, Any]:
    body: dict[str, Any] = client.post("/oauth2/introspect", data={"token": token},
                                       auth=(world.web.appid, world.web_key)).get_json()
    return body


def test_jwt_app_gets_rfc9068_tokens_that_work_until_revoked(jwt_web, browser, client):
    code, verifier = _code(browser, jwt_web)
    response = _token(client, jwt_web, code, verifier)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    claims = verify(client, body["access_token"])
    openid = openid_for(jwt_web.user.id, jwt_web.web)
    assert claims["sub"] == openid == body["openid"]
    assert claims["client_id"] == jwt_web.web.appid
    assert claims["scope"] == body["scope"] == "openid get_user_info"
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    assert isinstance(claims["auth_time"], int) and claims["amr"] == ["pwd"]
    assert re.fullmatch(r"[0-9A-F]{32}", claims["jti"])
    # the id_token's at_hash covers the JWT itself
    id_claims = pyjwt.decode(body["id_token"], options={"verify_signature": False})
    half = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert id_claims["at_hash"] == base64.urlsafe_b64encode(half).rstrip(b"=").decode()
    # resource endpoints and introspection take it through the same digest check
    assert _me(client, body["access_token"]).status_code == 200
    seen = _introspect(client, jwt_web, body["access_token"])
    assert seen["active"] is True and seen["aud"] == API and seen["sub"] == openid
    # revoked: refused at once everywhere, although signature and exp are still good
    revoked = client.post("/oauth2/revoke", data={"token": body["access_token"]},
                          auth=(jwt_web.web.appid, jwt_web.web_key))
    assert revoked.status_code == 200
    assert verify(client, body["access_token"])["jti"] == claims["jti"]
    refused = _me(client, body["access_token"])
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_token"
    assert _introspect(client, jwt_web, body["access_token"]) == {"active": False}
    legacy = client.get("/user/get_user_info", query_string={
        "access_token": body["access_token"], "oauth_consumer_key": jwt_web.web.appid,
        "openid": openid, "format": "json"})
    assert json.loads(legacy.data)["ret"] == 100015  # the QQ path refuses it too (revoked)


def test_jwt_refresh_mints_a_new_jwt_and_retires_the_old(jwt_web, browser, client):
    code, verifier = _code(browser, jwt_web)
    first = _token(client, jwt_web, code, verifier).get_json()
    second = client.post("/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(jwt_web.web.appid, jwt_web.web_key))
    assert second.status_code == 200, second.get_data(as_text=True)
    fresh = second.get_json()["access_token"]
    claims, old = verify(client, fresh), verify(client, first["access_token"])
    assert claims["jti"] != old["jti"] and claims["sub"] == old["sub"]
    assert "auth_time" not in claims  # not known on refresh: left out, never made up
    assert _me(client, fresh).status_code == 200
    assert _me(client, first["access_token"]).status_code == 401  # rotated away


def test_opaque_stays_the_default(world, browser, client):
    code, verifier = _code(browser, world)
    token = _token(client, world, code, verifier).get_json()["access_token"]
    assert re.fullmatch(r"[0-9A-F]{32}", token)
    assert _introspect(client, world, token)["aud"] == API


def test_tampered_or_foreign_jwt_is_refused(jwt_web, browser, client):
    code, verifier = _code(browser, jwt_web)
    token = _token(client, jwt_web, code, verifier).get_json()["access_token"]
    head, payload, signature = token.split(".")
    claims = pyjwt.decode(token, options={"verify_signature": False})
    claims["scope"] += " add_share"
    forged_payload = base64.urlsafe_b64encode(
        pyjwt.api_jws.json.dumps(claims).encode()).rstrip(b"=").decode()
    assert _me(client, f"{head}.{forged_payload}.{signature}").status_code == 401
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    assert _me(client, unsigned).status_code == 401
    assert _me(client, "x" * 5000).status_code == 401


# -- RFC 8707 resource indicators ------------------------------------------------------------


def test_resource_at_authorize_and_token_becomes_the_audience(jwt_web, browser, client):
    code, verifier = _code(browser, jwt_web, resource=API)
    body = _token(client, jwt_web, code, verifier, resource=API).get_json()
    assert verify(client, body["access_token"])["aud"] == API


def test_unknown_resource_at_authorize_is_invalid_target(world, browser, client):
    browser.login()
    for resource in ("https://evil.example/api", "/api/v1", API + "#x"):
        response = client.get("/oauth2/authorize", query_string={
            "response_type": "code", "client_id": world.web.appid, "scope": "openid",
            "redirect_uri": WEB_REDIRECT, "state": "s", "resource": resource})
        params = query_of(response.headers["Location"])
        assert params["error"] == "invalid_target" and params["state"] == "s", resource


def test_unknown_resource_at_token_spends_nothing(jwt_web, browser, client):
    code, verifier = _code(browser, jwt_web)
    for resource in (["https://evil.example/api"], [API, API + "/x"], ["not a uri"]):
        wrong = _token(client, jwt_web, code, verifier, resource=resource)  # type: ignore[arg-type]
        assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_target", (
            resource, wrong.get_json())
    assert _token(client, jwt_web, code, verifier).status_code == 200  # the code still works


def test_refresh_keeps_the_audience_and_refuses_another(jwt_web, browser, client):
    code, verifier = _code(browser, jwt_web, resource=API)
    first = _token(client, jwt_web, code, verifier).get_json()
    other = client.post("/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "resource": "https://evil.example/"}, auth=(jwt_web.web.appid, jwt_web.web_key))
    assert other.status_code == 400 and other.get_json()["error"] == "invalid_target"
    again = client.post("/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "resource": API}, auth=(jwt_web.web.appid, jwt_web.web_key))
    assert again.status_code == 200
    assert verify(client, again.get_json()["access_token"])["aud"] == API

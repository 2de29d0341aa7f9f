"""A real OAuth client (Authlib's httpx OAuth2Client) through discovery, PKCE code flow with the
real login and consent pages, id_token verification against the JWKS, userinfo, refresh with
rotation and reuse detection, revocation and introspection."""

from __future__ import annotations

import base64
import contextvars
import hashlib
import re
import secrets
import warnings
from typing import Any

import authlib.deprecate  # noqa: E402,F401 - installs its "always" filter before ours
import httpx
import pytest
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.identity.services import openid_for
from tests.oauth.conftest import WEB_REDIRECT, query_of

with warnings.catch_warnings():  # Authlib 1.9 nudges towards httpx2; httpx is what we ship
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client

BASE = "http://localhost"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def isolated(app: Any) -> Any:
    """The app as a WSGI callable whose every request gets a fresh context (own `g`, own
    session), as in production, although the test holds an app context open."""
    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        return contextvars.Context().run(app, environ, start_response)
    return wsgi


def _browser(app: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=isolated(app)), base_url=BASE)


def _login(browser: httpx.Client, username: str = "alice") -> None:
    token = CSRF.search(browser.get("/login").text)[1]
    response = browser.post("/login", data={"username": username, "password": "password123",
                                            "csrf_token": token})
    assert response.status_code == 302


def _consent(browser: httpx.Client, url: str) -> str:
    """Open the authorization URL, approve with the defaults, return the callback URL."""
    page = browser.get(url)
    if page.status_code == 302:
        return page.headers["Location"]
    assert page.status_code == 200, page.text
    scopes = re.findall(r'name="approved_scope" value="([^"]+)"', page.text)
    response = browser.post(url, data={"csrf_token": CSRF.search(page.text)[1],
                                       "approved_scope": scopes, "confirm": "yes"})
    assert response.status_code == 302, response.text
    return response.headers["Location"]


@pytest.fixture
def discovery(app: Any) -> dict[str, Any]:
    with _browser(app) as anonymous:
        return anonymous.get("/.well-known/openid-configuration").json()


def _client(app: Any, world: Any, **kwargs: Any) -> OAuth2Client:
    options = {"client_id": world.web.appid, "client_secret": world.web_key,
               "redirect_uri": WEB_REDIRECT, "scope": "openid profile get_user_info",
               "code_challenge_method": "S256", **kwargs}
    return OAuth2Client(transport=httpx.WSGITransport(app=isolated(app)), base_url=BASE,
                        **options)


def _flow(app: Any, world: Any, discovery: dict[str, Any], nonce: str | None = None,
          **kwargs: Any) -> tuple[OAuth2Client, dict[str, Any], str]:
    client = _client(app, world, **kwargs)
    verifier = generate_token(48)
    extra = {"nonce": nonce} if nonce else {}
    url, state = client.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, **extra)
    with _browser(app) as browser:
        _login(browser)
        callback = _consent(browser, url)
    params = query_of(callback)
    assert params["state"] == state
    assert params["iss"] == discovery["issuer"]  # RFC 9207
    token = client.fetch_token(discovery["token_endpoint"], authorization_response=callback,
                               code_verifier=verifier)
    return client, token, callback


def test_oidcc_server_discovery_is_consistent(discovery):
    assert discovery["issuer"] == BASE
    assert discovery["response_types_supported"] == ["code"]
    assert "implicit" not in discovery["grant_types_supported"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert discovery["authorization_response_iss_parameter_supported"] is True


def test_oauth_authorization_server_metadata_matches(app, discovery):
    with _browser(app) as anonymous:
        assert anonymous.get("/.well-known/oauth-authorization-server").json() == discovery


def test_oidcc_server_code_flow_with_pkce_and_id_token(app, world, discovery):
    nonce = generate_token(16)
    client, token, _ = _flow(app, world, discovery, nonce=nonce)
    openid = openid_for(world.user.id, world.web)
    assert token["token_type"] == "Bearer" and token["openid"] == openid
    assert set(token["scope"].split()) == {"openid", "profile", "get_user_info"}
    assert re.fullmatch(r"[0-9A-F]{32}", token["access_token"])
    with _browser(app) as anonymous:
        keyset = KeySet.import_key_set(anonymous.get(discovery["jwks_uri"]).json())
    decoded = jwt.decode(token["id_token"], keyset, algorithms=["RS256"])
    claims = decoded.claims
    assert decoded.header["kid"] in [k.kid for k in keyset.keys]
    assert claims["iss"] == BASE and claims["aud"] == world.web.appid
    assert claims["sub"] == openid and claims["nonce"] == nonce
    assert isinstance(claims["auth_time"], int) and claims["exp"] > claims["iat"]
    digest = hashlib.sha256(token["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(app, world, discovery):
    _, token, _ = _flow(app, world, discovery)
    with _browser(app) as anonymous:
        keyset = KeySet.import_key_set(anonymous.get(discovery["jwks_uri"]).json())
    assert "nonce" not in jwt.decode(token["id_token"], keyset).claims


def test_oidcc_userinfo_get_and_post_header(app, world, discovery):
    client, _, _ = _flow(app, world, discovery)
    for method in ("GET", "POST"):
        info = client.request(method, discovery["userinfo_endpoint"]).json()
        assert info["sub"] == openid_for(world.user.id, world.web)
        assert info["nickname"] == "Alice" and info["gender"] == "female"
        assert info["picture"] == f"{BASE}/avatars/{world.user.avatar_key}/100"
    with _browser(app) as anonymous:
        refused = anonymous.get(discovery["userinfo_endpoint"])
        forged = anonymous.get(discovery["userinfo_endpoint"],
                               headers={"Authorization": "Bearer forged"})
    # RFC 6750 §3.1: no error code when no token was sent (both schemes offered, RFC 9449
    # §7.1); invalid_token for a bad one.
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == (
        'Bearer, DPoP algs="ES256 ES384 PS256 RS256 Ed25519"')
    assert forged.status_code == 401
    assert forged.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_oidcc_refresh_token_rotation_and_reuse_detection(app, world, discovery, app_config):
    client, token, _ = _flow(app, world, discovery)
    first_refresh = token["refresh_token"]
    second = client.refresh_token(discovery["token_endpoint"], refresh_token=first_refresh)
    assert second["refresh_token"] != first_refresh
    # narrowing is allowed, widening is not
    third = client.refresh_token(discovery["token_endpoint"],
                                 refresh_token=second["refresh_token"], scope="openid")
    assert third["scope"] == "openid"
    with _browser(app) as raw:
        widen = raw.post(discovery["token_endpoint"], data={
            "grant_type": "refresh_token", "refresh_token": third["refresh_token"],
            "scope": "openid add_share"}, auth=(world.web.appid, world.web_key))
        assert widen.status_code == 400 and widen.json()["error"] == "invalid_scope"
        # the first token is two rotations old: outside the grace, the family dies
        reused = raw.post(discovery["token_endpoint"], data={
            "grant_type": "refresh_token", "refresh_token": first_refresh},
            auth=(world.web.appid, world.web_key))
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        after = raw.post(discovery["token_endpoint"], data={
            "grant_type": "refresh_token", "refresh_token": third["refresh_token"]},
            auth=(world.web.appid, world.web_key))
        assert after.json()["error"] == "invalid_grant"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "token.reuse_detected")) == 1


def test_refresh_grace_reissues_for_the_previous_token_only(app, world, discovery):
    client, token, _ = _flow(app, world, discovery)
    second = client.refresh_token(discovery["token_endpoint"],
                                  refresh_token=token["refresh_token"])
    retry = client.refresh_token(discovery["token_endpoint"],
                                 refresh_token=token["refresh_token"])
    assert retry["access_token"] != second["access_token"]
    with _browser(app) as raw:
        sibling = raw.get(discovery["userinfo_endpoint"],
                          headers={"Authorization": f"Bearer {second['access_token']}"})
        assert sibling.status_code == 401  # the superseded sibling was revoked
        fresh = raw.get(discovery["userinfo_endpoint"],
                        headers={"Authorization": f"Bearer {retry['access_token']}"})
        assert fresh.status_code == 200


def test_oidcc_codereuse_revokes_issued_tokens(app, world, discovery):
    client, token, callback = _flow(app, world, discovery)
    code = query_of(callback)["code"]
    with _browser(app) as raw:
        again = raw.post(discovery["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
            "code_verifier": "x" * 43}, auth=(world.web.appid, world.web_key))
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        dead = raw.get(discovery["userinfo_endpoint"],
                       headers={"Authorization": f"Bearer {token['access_token']}"})
        assert dead.status_code == 401


def test_revocation_and_introspection(app, world, discovery):
    client, token, _ = _flow(app, world, discovery)
    with _browser(app) as raw:
        auth = (world.web.appid, world.web_key)
        active = raw.post(discovery["introspection_endpoint"],
                          data={"token": token["access_token"]}, auth=auth).json()
        assert active["active"] is True and active["client_id"] == world.web.appid
        assert active["sub"] == token["openid"]
        assert raw.post(discovery["revocation_endpoint"], data={
            "token": token["refresh_token"], "token_type_hint": "refresh_token"},
            auth=auth).status_code == 200
        assert raw.post(discovery["introspection_endpoint"],
                        data={"token": token["access_token"]}, auth=auth).json() == {
            "active": False}
        unauth = raw.post(discovery["introspection_endpoint"],
                          data={"token": token["access_token"]})
        assert unauth.status_code == 401


def test_introspection_answers_only_for_own_tokens(app, world, discovery, factory):
    from gateway.apps.services import create_app

    other, other_key = create_app(world.developer, name="Other", live=True,
                                  redirect_uris=["https://other.example/cb"])
    db.session.commit()
    _, token, _ = _flow(app, world, discovery)
    with _browser(app) as raw:
        answer = raw.post(discovery["introspection_endpoint"],
                          data={"token": token["access_token"]}, auth=(other.appid, other_key))
        assert answer.json() == {"active": False}


def test_wrong_appkey_is_401_with_www_authenticate(app, world, discovery):
    with _browser(app) as raw:
        response = raw.post(discovery["token_endpoint"], data={
            "grant_type": "client_credentials"}, auth=(world.web.appid, "0" * 32))
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"
        assert "WWW-Authenticate" in response.headers


def test_client_credentials_confidential_only(app, world, discovery):
    with _browser(app) as raw:
        ok = raw.post(discovery["token_endpoint"], data={"grant_type": "client_credentials",
                                                         "scope": "add_share"},
                      auth=(world.web.appid, world.web_key))
        assert ok.status_code == 200 and "refresh_token" not in ok.json()
        public = raw.post(discovery["token_endpoint"], data={
            "grant_type": "client_credentials", "client_id": world.native.appid})
        assert public.status_code in (400, 401)


def test_plain_pkce_refused_and_tampered_verifier(app, world, discovery):
    with _browser(app) as browser:
        _login(browser)
        plain = browser.get("/oauth2/authorize", params={
            "response_type": "code", "client_id": world.web.appid, "state": "s",
            "redirect_uri": WEB_REDIRECT, "code_challenge": "a" * 43,
            "code_challenge_method": "plain"})
        assert query_of(plain.headers["Location"])["error"] == "invalid_request"
    client = _client(app, world)
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"],
                                             code_verifier=verifier)
    with _browser(app) as browser:
        _login(browser)
        callback = _consent(browser, url)
    with _browser(app) as raw:
        tampered = raw.post(discovery["token_endpoint"], data={
            "grant_type": "authorization_code", "code": query_of(callback)["code"],
            "redirect_uri": WEB_REDIRECT, "code_verifier": secrets.token_urlsafe(48)},
            auth=(world.web.appid, world.web_key))
        assert tampered.json()["error"] == "invalid_grant"
    # the right verifier still works: the refused attempt changed nothing
    token = client.fetch_token(discovery["token_endpoint"], authorization_response=callback,
                               code_verifier=verifier)
    assert token["access_token"]

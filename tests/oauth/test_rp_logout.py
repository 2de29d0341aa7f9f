"""OIDC RP-Initiated Logout 1.0 and the id_token's `sid`, through real requests: discovery, the
real login and consent pages, a real OAuth client, then the end-session endpoint as an app and
as an attacker would call it."""

from __future__ import annotations

import base64
import json
import re
import time
from contextlib import closing
from typing import Any

import httpx
import pytest
from joserfc import jwk, jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from gateway.accounts.models import UserSession
from gateway.extensions import db
from gateway.identity.services import openid_for
from gateway.oauth import keys
from tests.oauth.conftest import query_of
from tests.oauth.test_oidc_flow import BASE, CSRF, _browser, _consent, _login, isolated

LOGGED_OUT = "https://site.example/logged-out"
ATTACKER = "https://attacker.example/phish"


@pytest.fixture
def discovery(app: Any) -> dict[str, Any]:
    with _browser(app) as anonymous:
        return anonymous.get("/.well-known/openid-configuration").json()


@pytest.fixture
def logout_world(world: Any) -> Any:
    world.web.post_logout_redirect_uris = [LOGGED_OUT]
    db.session.commit()
    return world


def _signed_in(app: Any, world: Any, discovery: dict[str, Any]) -> tuple[httpx.Client, str]:
    """A browser logged in to ZoneConnect that signed in to the web app; its id_token."""
    from authlib.integrations.httpx_client import OAuth2Client

    client = OAuth2Client(transport=httpx.WSGITransport(app=isolated(app)), base_url=BASE,
                          client_id=world.web.appid, client_secret=world.web_key,
                          redirect_uri="https://site.example/callback", scope="openid profile")
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"])
    browser = _browser(app)
    _login(browser)
    callback = _consent(browser, url)
    token = client.fetch_token(discovery["token_endpoint"], authorization_response=callback)
    return browser, token["id_token"]


def _live_sessions(user_id: int) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None))))


def _keyset(app: Any, discovery: dict[str, Any]) -> KeySet:
    with _browser(app) as anonymous:
        return KeySet.import_key_set(anonymous.get(discovery["jwks_uri"]).json())


def _sign(claims: dict[str, Any]) -> str:
    """Claims signed with the platform's own current key: to forge what only we could sign."""
    row = keys.current_row("RS256")
    return jwt.encode({"alg": "RS256", "kid": row.kid}, claims, keys.load(row))


def test_discovery_advertises_the_end_session_endpoint(discovery):
    assert discovery["end_session_endpoint"] == BASE + "/oauth2/logout"
    assert "sid" in discovery["claims_supported"]


def test_id_token_sid_names_the_session_and_the_hint_logs_it_out(app, logout_world, discovery):
    world = logout_world
    browser, id_token = _signed_in(app, world, discovery)
    claims = jwt.decode(id_token, _keyset(app, discovery), algorithms=["RS256"]).claims
    [record] = _live_sessions(world.user.id)
    assert isinstance(claims["sid"], str) and len(claims["sid"]) >= 32
    assert claims["sid"] != str(record.id)  # opaque: not the row id, not the cookie
    with closing(browser):
        response = browser.get(discovery["end_session_endpoint"], params={
            "id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "s 1"})
        assert response.status_code == 302
        assert response.headers["Location"] == LOGGED_OUT + "?state=s+1"
        assert _live_sessions(world.user.id) == []
        db.session.refresh(record)
        assert record.ended_reason == "logout"
        # The browser is logged out: its pages ask for a login again.
        assert "/login" in browser.get("/account/profile").headers["Location"]


def test_unregistered_post_logout_redirect_uri_is_refused(app, logout_world, discovery):
    world = logout_world
    browser, id_token = _signed_in(app, world, discovery)
    with closing(browser):
        for uri in (ATTACKER, LOGGED_OUT + "/", LOGGED_OUT + "?x=1", LOGGED_OUT.upper()):
            response = browser.get(discovery["end_session_endpoint"], params={
                "id_token_hint": id_token, "post_logout_redirect_uri": uri})
            assert response.status_code == 400 and "Location" not in response.headers
            assert "not registered" in response.text
        # Without an app to check it against, a redirect URI is refused too.
        response = browser.get("/oauth2/logout", params={"post_logout_redirect_uri": ATTACKER})
        assert response.status_code == 400
    assert len(_live_sessions(world.user.id)) == 1  # nothing ended


def test_hints_not_issued_by_zoneconnect_are_refused(app, logout_world, discovery):
    world = logout_world
    browser, id_token = _signed_in(app, world, discovery)
    claims = jwt.decode(id_token, _keyset(app, discovery), algorithms=["RS256"]).claims
    foreign = jwk.RSAKey.generate_key(2048, parameters={"kid": keys.current_row("RS256").kid})
    header, body, _ = id_token.split(".")
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    hints = {
        "other key, same kid": jwt.encode({"alg": "RS256", "kid": foreign.kid}, claims, foreign),
        "alg none": none_header.decode() + "." + body + ".",
        "other issuer": _sign({**claims, "iss": "https://evil.example"}),
        "tampered": header + "." + body[:-4] + "AAAA." + id_token.split(".")[2],
    }
    with closing(browser):
        for name, hint in hints.items():
            response = browser.get("/oauth2/logout", params={
                "id_token_hint": hint, "post_logout_redirect_uri": LOGGED_OUT})
            assert response.status_code == 400, name
            assert "Location" not in response.headers, name
    assert len(_live_sessions(world.user.id)) == 1


def test_hint_for_another_client_id_is_refused(app, logout_world, discovery):
    world = logout_world
    browser, id_token = _signed_in(app, world, discovery)
    with closing(browser):
        response = browser.get("/oauth2/logout", params={
            "id_token_hint": id_token, "client_id": world.native.appid})
        assert response.status_code == 400
    assert len(_live_sessions(world.user.id)) == 1


def test_expired_hint_still_logs_out(app, logout_world, discovery):
    world = logout_world
    browser, id_token = _signed_in(app, world, discovery)
    claims = jwt.decode(id_token, _keyset(app, discovery), algorithms=["RS256"]).claims
    old = _sign({**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600})
    with closing(browser):
        response = browser.get("/oauth2/logout", params={"id_token_hint": old})
        assert response.status_code == 200 and "signed out" in response.text
    assert _live_sessions(world.user.id) == []


def test_request_not_tied_to_the_session_asks_for_confirmation(app, logout_world, discovery):
    world = logout_world
    browser, id_token = _signed_in(app, world, discovery)
    claims = jwt.decode(id_token, _keyset(app, discovery), algorithms=["RS256"]).claims
    other_session = _sign({**claims, "sid": "a" * 43})
    with closing(browser):
        for params in ({"client_id": world.web.appid, "post_logout_redirect_uri": LOGGED_OUT,
                        "state": "xyz"},
                       {"id_token_hint": other_session},
                       {"id_token_hint": id_token, "logout_hint": "someone-else"}):
            page = browser.get("/oauth2/logout", params=params)
            assert page.status_code == 200
            assert '<button class="button" type="submit" name="confirm" value="yes">' in page.text
            assert page.text.count("<h1") == 1
        assert len(_live_sessions(world.user.id)) == 1
        # A cross-site form without the CSRF token ends nothing.
        forged = browser.post("/oauth2/logout", data={"confirm": "yes"})
        assert forged.status_code == 400
        assert len(_live_sessions(world.user.id)) == 1
        page = browser.get("/oauth2/logout", params={
            "client_id": world.web.appid, "post_logout_redirect_uri": LOGGED_OUT, "state": "xyz"})
        html = page.text
        fields = dict(re.findall(
            r'name="(client_id|post_logout_redirect_uri|state)" value="([^"]+)"', html))
        response = browser.post("/oauth2/logout", data={
            **fields, "csrf_token": CSRF.search(html)[1], "confirm": "yes"})
        assert response.status_code == 302
        assert query_of(response.headers["Location"]) == {"state": "xyz"}
    assert _live_sessions(world.user.id) == []


def test_logged_out_browser_returns_to_the_registered_uri(app, logout_world):
    with _browser(app) as anonymous:
        response = anonymous.get("/oauth2/logout", params={
            "client_id": logout_world.web.appid, "post_logout_redirect_uri": LOGGED_OUT})
        assert response.status_code == 302 and response.headers["Location"] == LOGGED_OUT
        assert anonymous.get("/oauth2/logout", params={"client_id": "999"}).status_code == 400


def test_hint_without_sid_matches_by_subject(app, logout_world, discovery):
    world = logout_world
    browser, id_token = _signed_in(app, world, discovery)
    claims = jwt.decode(id_token, _keyset(app, discovery), algorithms=["RS256"]).claims
    claims.pop("sid")
    assert claims["sub"] == openid_for(world.user.id, world.web)
    with closing(browser):
        response = browser.get("/oauth2/logout", params={"id_token_hint": _sign(claims)})
        assert response.status_code == 200
    assert _live_sessions(world.user.id) == []

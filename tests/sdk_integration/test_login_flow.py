"""The SDK's login flow against the real provider: discovery, code + PKCE, id_token, refresh
rotation, revocation — over a real socket and over httpx.WSGITransport."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest
import zoneconnect

from tests.sdk_integration.conftest import ALICE_PASSWORD, REDIRECT_URI, SCOPES, log_in_with_sdk
from tests.sdk_integration.live import FormBrowser, isolated

HEX32 = re.compile(r"^[0-9A-F]{32}$")


def introspect(platform, value: str) -> dict:
    """What the provider says about a token (RFC 7662, as the app)."""
    response = httpx.post(platform.url + "/oauth2/introspect", data={"token": value},
                          auth=(platform.appid, platform.appkey), timeout=15.0)
    assert response.status_code == 200, response.text
    return response.json()


def test_discovery_names_the_running_server(sdk, platform):
    meta = sdk.discover()
    assert meta.issuer == platform.url
    assert meta.authorization_endpoint == platform.url + "/oauth2/authorize"
    assert meta.token_endpoint == platform.url + "/oauth2/token"
    assert "S256" in meta.code_challenge_methods_supported
    assert set(SCOPES) <= set(meta.scopes_supported)


def test_code_flow_gives_a_verified_id_token(sdk, platform, browser):
    auth = sdk.authorization_url(scopes=SCOPES)
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    assert callback["state"] == auth.state and callback["iss"] == platform.url
    token = sdk.exchange_code(callback["code"], code_verifier=auth.code_verifier)
    assert HEX32.match(token.access_token) and HEX32.match(token.refresh_token or "")
    assert HEX32.match(token.openid or "")
    assert set(token.scopes) == set(SCOPES)
    assert token.expires_at is not None and not token.expired
    claims = sdk.verify_id_token(token.id_token or "", nonce=auth.nonce)
    assert claims.sub == token.openid and claims.aud == platform.appid
    assert claims.iss == platform.url and claims.nonce == auth.nonce
    with pytest.raises(zoneconnect.IDTokenError):
        sdk.verify_id_token(token.id_token or "", nonce="another-nonce")


def test_a_code_works_once(sdk, browser):
    auth = sdk.authorization_url(scopes=("get_user_info",))
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    sdk.exchange_code(callback["code"], code_verifier=auth.code_verifier)
    with pytest.raises(zoneconnect.OAuthError) as replay:
        sdk.exchange_code(callback["code"], code_verifier=auth.code_verifier)
    assert replay.value.error == "invalid_grant"


def test_a_wrong_pkce_verifier_is_refused(sdk, browser):
    auth = sdk.authorization_url(scopes=("get_user_info",))
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    with pytest.raises(zoneconnect.OAuthError) as refused:
        sdk.exchange_code(callback["code"], code_verifier="x" * 64)
    assert refused.value.error == "invalid_grant"


def test_declining_consent_reaches_the_callback_as_access_denied(sdk, browser):
    auth = sdk.authorization_url(scopes=SCOPES)
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI, approve=False)
    assert callback["error"] == "access_denied" and callback["state"] == auth.state
    assert "code" not in callback


def test_refresh_rotates_and_reuse_revokes_the_family(sdk, platform, browser):
    token = log_in_with_sdk(sdk, browser)
    fresh = sdk.refresh(token)
    assert fresh.access_token != token.access_token
    assert fresh.refresh_token and fresh.refresh_token != token.refresh_token
    assert fresh.openid == token.openid and set(fresh.scopes) == set(token.scopes)
    assert introspect(platform, fresh.access_token)["active"] is True
    # A second client has no memory of the first refresh: the server itself must refuse.
    with zoneconnect.Client(app_id=platform.appid, app_key=platform.appkey,
                            base_url=platform.url, max_retries=0) as other:
        with pytest.raises(zoneconnect.OAuthError) as reuse:
            other.refresh(token)
        assert reuse.value.error == "invalid_grant"
        with pytest.raises(zoneconnect.OAuthError):
            other.refresh(fresh)  # the whole family went with the reuse
    assert introspect(platform, fresh.access_token)["active"] is False


def test_refresh_can_narrow_the_scope(sdk, browser):
    token = log_in_with_sdk(sdk, browser)
    narrowed = sdk.refresh(token, scopes=["get_user_info"])
    assert narrowed.scopes == ("get_user_info",)


def test_revoke_ends_access_and_refresh(sdk, platform, browser):
    token = log_in_with_sdk(sdk, browser)
    assert introspect(platform, token.access_token)["active"] is True
    sdk.revoke(token)
    assert introspect(platform, token.access_token)["active"] is False
    with pytest.raises(zoneconnect.OAuthError) as refused:
        sdk.refresh(token)
    assert refused.value.error == "invalid_grant"
    sdk.revoke(token)  # RFC 7009: revoking again is harmless


def test_a_wrong_app_key_is_an_oauth_error(platform, sdk, browser):
    auth = sdk.authorization_url(scopes=("get_user_info",))
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    with zoneconnect.Client(app_id=platform.appid, app_key="0" * 32, base_url=platform.url,
                            redirect_uri=REDIRECT_URI, max_retries=0) as wrong:
        with pytest.raises(zoneconnect.OAuthError) as refused:
            wrong.exchange_code(callback["code"], code_verifier=auth.code_verifier)
    assert refused.value.error == "invalid_client" and refused.value.status_code == 401


def test_the_sdk_runs_over_wsgi_transport_too(app, platform):
    """The same flow with the platform called in-process (httpx.WSGITransport), no socket."""
    base = "http://localhost"  # authlib serves plain http only on loopback names
    transport = httpx.WSGITransport(app=isolated(app))
    with httpx.Client(transport=transport, timeout=15.0) as http, \
            zoneconnect.Client(app_id=platform.appid, app_key=platform.appkey, base_url=base,
                               redirect_uri=REDIRECT_URI, http_client=http,
                               max_retries=0) as client:
        person = FormBrowser(http)
        auth = client.authorization_url(scopes=("openid", "get_user_info"))
        callback = person.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
        token = client.exchange_code(callback["code"], code_verifier=auth.code_verifier)
        claims = client.verify_id_token(token.id_token or "", nonce=auth.nonce)
        assert claims.iss == base and claims.sub == token.openid
        expired = dataclasses.replace(token, expires_at=1)
        assert expired.expired
        assert client.refresh(expired).access_token != token.access_token


def test_prompt_none_is_passed_through(sdk, browser):
    anonymous = sdk.authorization_url(scopes=("get_user_info",), prompt="none")
    refused = browser.authorize(anonymous.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    assert refused["error"] == "login_required" and refused["state"] == anonymous.state
    log_in_with_sdk(sdk, browser, scopes=("get_user_info",))  # logs in and consents once
    silent = sdk.authorization_url(scopes=("get_user_info",), prompt="none")
    first = browser.get(silent.url)  # no login page, no consent page: straight back
    assert first.is_redirect and first.headers["location"].startswith(REDIRECT_URI)
    callback = browser.authorize(silent.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    assert sdk.exchange_code(callback["code"], code_verifier=silent.code_verifier).access_token

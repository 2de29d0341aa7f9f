"""The rules of spec/oauth-security.md that no other test covered, one test per rule, named after
the rule or the OpenID Foundation Basic OP check it mirrors. docs/security.md maps every rule to
its tests. The authorization endpoint is driven through the real login and consent pages."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.apps.services import create_app
from gateway.extensions import db
from tests.oauth.conftest import NATIVE_REDIRECT, WEB_REDIRECT, pkce_pair, query_of
from tests.security.oauth_flow import ISSUER, PATH, TOKEN, authorize_url, callback, redeem, userinfo

# --- Authorization endpoint -------------------------------------------------------------------

@pytest.mark.parametrize("uri", [
    WEB_REDIRECT + "/", WEB_REDIRECT + "x", WEB_REDIRECT + "?next=https://evil.example",
    WEB_REDIRECT + "#frag", "https://SITE.example/callback", "http://site.example/callback",
    "https://site.example.evil.example/callback", "https://site.example@evil.example/callback",
    "https://evil.example/callback", "https://site.example:8443/callback", "//evil.example/cb",
    "javascript:alert(1)", "https://site.example/%2e%2e/callback"])
def test_oidcc_ensure_registered_redirect_uri(world, browser, client, uri):
    """"Redirect URIs compared by exact string match against the app's registered list [...] An
    unregistered or malformed redirect_uri never redirects: it shows an error page (QQ code
    100010), so the endpoint is not an open redirector.\""""
    browser.login()
    response = client.get(authorize_url(world, redirect_uri=uri))
    assert response.status_code == 400 and "Location" not in response.headers
    assert response.mimetype == "text/html" and "100010" in response.get_data(as_text=True)


def test_loopback_redirects_of_native_apps_vary_only_in_port(world, browser, client):
    """"loopback redirects of native apps may vary only in port" (RFC 8252 §7.3)."""
    _, challenge = pkce_pair()
    browser.login()

    def ask(uri: str, app: Any = world.native) -> Any:
        return client.get(authorize_url(
            world, client_id=app.appid, redirect_uri=uri, scope="openid",
            code_challenge=challenge, code_challenge_method="S256"))

    assert ask("http://127.0.0.1:51234/callback").status_code == 200  # the consent page
    for uri in ["http://127.0.0.1:51234/other", "http://127.0.0.2:51234/callback",
                "https://127.0.0.1:51234/callback", "http://127.0.0.1:99999/callback",
                "http://127.0.0.1:port/callback", "http://127.0.0.1:51234/callback?x=1"]:
        refused = ask(uri)
        assert refused.status_code == 400 and "Location" not in refused.headers, uri
    # A confidential web app gets no such latitude, even for a loopback registration.
    loopback_web, _ = create_app(world.developer, name="Loop", redirect_uris=[NATIVE_REDIRECT],
                                 live=True)
    db.session.commit()
    assert ask("http://127.0.0.1:51234/callback", loopback_web).status_code == 400


@pytest.mark.parametrize("scope", ["openid bogus", "openid pay", "openid,add_share,get_vip_info"])
def test_scope_the_app_may_not_use_is_reported_never_widened(world, browser, client, scope):
    """"a scope the app may not use is reported to the user's browser, never silently
    widened" — and no code is issued for the rest."""
    browser.login()
    params = query_of(client.get(authorize_url(world, scope=scope)).headers["Location"])
    assert params["error"] == "invalid_scope" and "code" not in params
    assert params["state"] == "st" and params["iss"] == ISSUER


def test_unknown_client_id_is_reported_to_the_browser(world, browser, client):
    """"An unknown client_id [...] is reported to the user's browser" (a page, no redirect)."""
    browser.login()
    for client_id in ["999999999", "", "abc'\"<x>", "1" * 500]:
        response = client.get(authorize_url(world, client_id=client_id))
        assert response.status_code == 400 and "Location" not in response.headers
        assert "<x>" not in response.get_data(as_text=True)


def test_pkce_code_with_a_challenge_cannot_beredeemed_without_the_verifier(
        world, browser, client):
    """"a code issued with a challenge cannot be redeemed without the verifier"."""
    verifier, challenge = pkce_pair()
    params = callback(browser, world, code_challenge=challenge, code_challenge_method="S256")
    missing = redeem(client, world, params["code"])
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_request"
    wrong = redeem(client, world, params["code"], code_verifier=pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    assert redeem(client, world, params["code"], code_verifier=verifier).status_code == 200


def test_pkce_is_required_for_public_clients_at_both_endpoints(world, browser, client):
    """"required for public clients": no challenge, no code; and no verifier, no token."""
    browser.login()
    no_pkce = client.get(authorize_url(world, client_id=world.native.appid,
                                       redirect_uri=NATIVE_REDIRECT, scope="openid"))
    assert query_of(no_pkce.headers["Location"])["error"] == "invalid_request"
    verifier, challenge = pkce_pair()
    params = query_of(browser.consent(PATH, query_of(authorize_url(
        world, client_id=world.native.appid, redirect_uri=NATIVE_REDIRECT, scope="openid",
        code_challenge=challenge, code_challenge_method="S256"))).headers["Location"])
    data = {"grant_type": "authorization_code", "code": params["code"],
            "redirect_uri": NATIVE_REDIRECT, "client_id": world.native.appid}
    assert client.post(TOKEN, data=data).get_json()["error"] == "invalid_request"
    assert client.post(TOKEN, data={**data, "code_verifier": verifier}).status_code == 200


def test_state_returned_unchanged_and_iss_added(world, browser):
    """"state returned unchanged; iss added to the authorization response (RFC 9207)"."""
    state = "a/b?c=d&e=f+g%20h " + "é" * 10 + "x" * 400
    params = callback(browser, world, state=state)
    assert params["state"] == state and params["iss"] == ISSUER and "code" in params


def test_consent_page_refuses_framing_loads_nothing_third_party_and_needs_csrf(
        world, browser, client):
    """"Login and consent pages: CSRF tokens, X-Frame-Options: DENY and Content-Security-Policy:
    frame-ancestors 'none' (clickjacking), no third-party resources (referrer leakage),
    Referrer-Policy: no-referrer on the callback redirect.\""""
    browser.login()
    url = authorize_url(world)
    for page in (client.get(url), client.get("/login")):
        html = page.get_data(as_text=True)
        assert page.status_code in (200, 302)
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        for resource in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not urlsplit(resource).netloc or resource.startswith(ISSUER), resource
    html = client.get(url).get_data(as_text=True)
    assert 'name="csrf_token"' in html
    forged = client.post(url, data={"confirm": "yes", "approved_scope": ["openid"]})
    assert forged.status_code == 400 and "Location" not in forged.headers
    approved = browser.consent(PATH, query_of(url))
    assert approved.headers["Referrer-Policy"] == "no-referrer"


def test_prompt_consent_forces_the_consent_page(world, browser, client):
    """"prompt=consent forces the consent page" (a returning user is otherwise not asked)."""
    callback(browser, world)
    assert "code" in query_of(client.get(authorize_url(world)).headers["Location"])
    forced = client.get(authorize_url(world, prompt="consent"))
    assert forced.status_code == 200 and 'name="confirm" value="yes"' in forced.get_data(
        as_text=True)


def test_oidcc_display_page(world, browser):
    """oidcc-display-page: `display=page` is accepted and the flow completes."""
    assert "code" in callback(browser, world, display="page")


def test_oidcc_login_hint(world, client, auth):
    """oidcc-login-hint: the hint travels through the login page and the flow completes."""
    login = client.get(authorize_url(world, login_hint="alice"))
    target = query_of(login.headers["Location"])["next"]
    assert "login_hint=alice" in target
    auth.login("alice", next=target)
    assert client.get(target).status_code == 200  # the consent page, for alice


def test_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(
        world, browser, client):
    """Discovery says request_parameter_supported=false, so a request object is refused with
    request_not_supported (OIDC Core §3.1.2.6), never silently ignored."""
    def b64(part: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    claims = {"client_id": world.web.appid, "redirect_uri": WEB_REDIRECT, "scope": "openid",
              "response_type": "code", "state": "st"}
    unsigned = f"{b64({'alg': 'none'})}.{b64(claims)}."
    browser.login()
    assert client.get("/.well-known/openid-configuration").get_json()[
        "request_parameter_supported"] is False
    for name, error in [("request", "request_not_supported"),
                        ("request_uri", "request_uri_not_supported")]:
        value = unsigned if name == "request" else "https://site.example/req.jwt"
        params = query_of(client.get(authorize_url(world, **{name: value})).headers["Location"])
        assert params["error"] == error and "code" not in params and params["state"] == "st"


# --- OpenID Connect ---------------------------------------------------------------------------

def test_oidcc_scope_profile(world, browser, client):
    """oidcc-scope-profile: `openid profile` yields the profile claims from userinfo."""
    params = callback(browser, world, scope="openid profile")
    token = redeem(client, world, params["code"]).get_json()
    info = userinfo(client, token["access_token"]).get_json()
    assert info["sub"] == token["openid"] and info["name"] == "Alice"
    assert info["picture"].startswith(ISSUER + "/avatars/")
    bare = callback(browser, world, scope="openid")
    only_sub = userinfo(client, redeem(client, world, bare["code"]).get_json()["access_token"])
    assert set(only_sub.get_json()) == {"sub"}


def test_oidcc_id_token_hint(world, browser, client, factory):
    """oidcc-id-token-hint: a logged-in user's own id_token as hint, with prompt=none, gets a
    code without any page; a hint naming somebody else gets login_required (OIDC Core
    §3.1.2.1), and a hint this server did not sign is ignored."""
    factory.user("bob", nickname="Bob")
    browser.login("bob")
    consented = browser.consent(PATH, query_of(authorize_url(world, scope="openid")))
    bobs = redeem(client, world, query_of(consented.headers["Location"])["code"]).get_json()
    params = callback(browser, world, scope="openid")
    id_token = redeem(client, world, params["code"]).get_json()["id_token"]
    again = client.get(authorize_url(world, scope="openid", prompt="none", id_token_hint=id_token))
    assert "code" in query_of(again.headers["Location"])
    other = client.get(authorize_url(world, scope="openid", prompt="none",
                                     id_token_hint=bobs["id_token"]))
    assert query_of(other.headers["Location"])["error"] == "login_required"
    head, body, _ = bobs["id_token"].split(".")
    forged = f"{head}.{body}.{'A' * 342}"
    ignored = client.get(authorize_url(world, scope="openid", prompt="none",
                                       id_token_hint=forged))
    assert "code" in query_of(ignored.headers["Location"])


def test_oidcc_claims_essential(world, browser, client):
    """oidcc-claims-essential: a `claims` request (not supported, as discovery says) does not
    break the flow; userinfo still answers."""
    claims = json.dumps({"userinfo": {"name": {"essential": True}}})
    params = callback(browser, world, scope="openid profile", claims=claims)
    token = redeem(client, world, params["code"]).get_json()
    assert userinfo(client, token["access_token"]).get_json()["name"] == "Alice"


def test_oidcc_server_client_secret_post(world, browser, client):
    """oidcc-server-client-secret-post: a confidential client authenticates in the form body;
    PKCE is accepted but not required from it."""
    params = callback(browser, world, scope="openid", nonce="n-0S6_WzA2Mj")
    response = redeem(client, world, params["code"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["id_token"].count(".") == 2


def test_discovery_advertises_nothing_the_server_refuses(world, client):
    """"Discovery metadata consistent with what the server does (no advertised grant, scope or
    algorithm it refuses)\": every advertised grant type is understood by the token endpoint."""
    meta = client.get("/.well-known/openid-configuration").get_json()
    for grant in meta["grant_types_supported"]:
        answer = client.post(TOKEN, data={"grant_type": grant},
                             auth=(world.web.appid, world.web_key)).get_json()
        assert answer.get("error") != "unsupported_grant_type", grant
    assert "token" not in " ".join(meta["response_types_supported"])
    assert "none" not in meta["id_token_signing_alg_values_supported"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post", "none"}

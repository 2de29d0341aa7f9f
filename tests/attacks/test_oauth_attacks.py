"""Redirect URI tricks, PKCE downgrades, code and refresh replay, forged id_token hints."""

from __future__ import annotations

from tests.attacks.conftest import INTERNALS
from tests.oauth.conftest import NATIVE_REDIRECT, WEB_REDIRECT, pkce_pair, query_of
from tests.security.oauth_flow import PATH, TOKEN, authorize_url, callback, redeem, userinfo

REDIRECT_TRICKS = [
    "https://site.example.evil.example/callback", "https://site.example@evil.example/callback",
    "https://site.example/callback/../evil", "https://site.example/callback?x=1",
    "https://site.example:444/callback", "http://site.example/callback",
    "https://SITE.example/callback", "https://site.example/callback#frag",
    "https://site.example/callback%2f..%2fevil", "//evil.example/callback", "javascript:alert(1)",
]


def test_redirect_uri_tricks_get_an_error_page_and_no_location(world, browser, client) -> None:
    browser.login()
    for uri in REDIRECT_TRICKS:
        response = client.get(authorize_url(world, redirect_uri=uri))
        assert response.status_code == 400 and "Location" not in response.headers, uri
        assert not INTERNALS.search(response.get_data(as_text=True)), uri


def test_pkce_plain_downgrade_is_refused(world, browser, client) -> None:
    browser.login()
    response = client.get(PATH, query_string={
        "response_type": "code", "client_id": world.native.appid, "redirect_uri": NATIVE_REDIRECT,
        "code_challenge": "x" * 43, "code_challenge_method": "plain", "state": "s"})
    assert "code=" not in response.headers.get("Location", "")


def test_public_client_without_pkce_gets_no_code(world, browser, client) -> None:
    browser.login()
    response = client.get(PATH, query_string={
        "response_type": "code", "client_id": world.native.appid, "redirect_uri": NATIVE_REDIRECT,
        "state": "s"})
    assert "code=" not in response.headers.get("Location", "")


def test_pkce_code_without_or_with_a_wrong_verifier_is_refused(world, browser, client) -> None:
    verifier, challenge = pkce_pair()
    params = callback(browser, world, code_challenge=challenge, code_challenge_method="S256")
    assert redeem(client, world, params["code"]).status_code == 400
    wrong = redeem(client, world, params["code"], code_verifier=pkce_pair()[0])
    assert wrong.status_code == 400


def test_a_replayed_code_revokes_what_it_issued(world, browser, client) -> None:
    params = callback(browser, world, scope="openid")
    first = redeem(client, world, params["code"]).get_json()
    assert redeem(client, world, params["code"]).status_code == 400
    assert userinfo(client, first["access_token"]).status_code == 401


def test_a_reused_refresh_token_revokes_the_family(world, browser, client, app) -> None:
    app.config["ZC_REFRESH_REUSE_GRACE"] = 0
    params = callback(browser, world, scope="openid")
    first = redeem(client, world, params["code"]).get_json()
    body = {"grant_type": "refresh_token", "client_id": world.web.appid,
            "client_secret": world.web_key}
    second = client.post(TOKEN, data={**body, "refresh_token": first["refresh_token"]}).get_json()
    replay = client.post(TOKEN, data={**body, "refresh_token": first["refresh_token"]})
    assert replay.status_code == 400
    assert userinfo(client, second["access_token"]).status_code == 401


def test_another_clients_secret_cannot_redeem_a_code(world, browser, client, factory) -> None:
    from gateway.apps.services import create_app
    from gateway.extensions import db

    other, other_key = create_app(factory.user("mallory"), name="Other", live=True,
                                  redirect_uris=[WEB_REDIRECT])
    db.session.commit()
    params = callback(browser, world, scope="openid")
    stolen = client.post(TOKEN, data={"grant_type": "authorization_code", "code": params["code"],
                                      "redirect_uri": WEB_REDIRECT, "client_id": other.appid,
                                      "client_secret": other_key})
    assert stolen.status_code == 400 and "access_token" not in stolen.get_json()


def test_forged_id_token_hints_never_log_anybody_in(world, client) -> None:
    for hint in ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "not-a-jwt", "a.b.c", "eyJ" + "A" * 3000):
        response = client.get(authorize_url(world, scope="openid", prompt="none",
                                            id_token_hint=hint))
        location = response.headers.get("Location", "")
        assert response.status_code in {302, 400} and "code=" not in location, hint
        assert not INTERNALS.search(response.get_data(as_text=True)), hint


def test_consent_without_its_csrf_token_grants_nothing(world, browser, client) -> None:
    browser.login()
    url = authorize_url(world)
    response = client.post(url, data={"approved_scope": ["openid"], "confirm": "yes"})
    assert response.status_code == 400 and "code=" not in response.headers.get("Location", "")
    assert query_of(WEB_REDIRECT) == {}

"""/oauth2.0/authorize: redirect rules, login and consent pages, implicit flow, scope rules."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from gateway.apps.services import create_app
from gateway.authorizations import services as authorizations
from gateway.extensions import db
from gateway.oauth.models import OAuthCode
from tests.conftest import csrf_from
from tests.oauth.conftest import NATIVE_REDIRECT, WEB_REDIRECT, pkce_pair, query_of

PATH = "/oauth2.0/authorize"


def _params(world, **extra):
    return {"response_type": "code", "client_id": world.web.appid,
            "redirect_uri": WEB_REDIRECT, "state": "s1", **extra}


def test_anonymous_user_is_sent_to_login_and_back(world, client, auth):
    response = client.get(PATH + "?" + urlencode(_params(world)))
    assert response.status_code == 302
    target = query_of(response.headers["Location"])["next"]
    assert target.startswith(PATH + "?")
    back = auth.login("alice", next=target)
    assert back.headers["Location"] == target
    assert 'value="yes"' in client.get(target).get_data(as_text=True)


def test_consent_page_names_app_developer_and_scopes(world, browser, client):
    browser.login()
    page = client.get(PATH + "?" + urlencode(_params(world, scope="get_user_info+add_share")))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Web Site" in html and "Devon" in html
    assert "See your nickname, gender, region and avatar" in html
    assert "Share links to your feed" in html
    assert html.count('name="approved_scope"') == 2 and html.count("checked") == 2
    assert '<button class="button" type="submit" name="confirm" value="yes">' in html
    assert 'name="confirm" value="no"' in html and 'name="csrf_token"' in html
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "http" not in html.split("<body>")[0].replace("http-equiv", "")  # no 3rd-party


def test_consent_without_csrf_is_refused(world, browser, client):
    browser.login()
    response = client.post(PATH + "?" + urlencode(_params(world)), data={"confirm": "yes"})
    assert response.status_code == 400
    assert db.session.scalar(select(OAuthCode.id)) is None


def test_state_echoed_verbatim_and_no_referrer(world, browser):
    state = "a/b?c=d&e=" + "x" * 300
    browser.login()
    response = browser.consent(PATH, _params(world, state=state))
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Location"].startswith(WEB_REDIRECT + "?code=")
    assert query_of(response.headers["Location"])["state"] == state


def test_refusal_redirects_access_denied(world, browser):
    browser.login()
    response = browser.consent(PATH, _params(world), approve=False)
    assert query_of(response.headers["Location"]) == {"error": "access_denied", "state": "s1"}
    assert authorizations.granted_scopes(world.user.id, world.web.id) == set()


def test_returning_user_is_not_asked_again_unless_prompt_consent(world, browser, client):
    browser.login()
    browser.consent(PATH, _params(world))
    again = client.get(PATH + "?" + urlencode(_params(world)))
    assert again.status_code == 302 and "code=" in again.headers["Location"]
    forced = client.get(PATH + "?" + urlencode(_params(world, prompt="consent")))
    assert forced.status_code == 200 and 'value="yes"' in forced.get_data(as_text=True)


def test_unchecked_scope_is_not_granted(world, browser):
    browser.login()
    response = browser.consent(PATH, _params(world, scope="get_user_info,add_share"),
                               uncheck=("add_share",))
    code = db.session.scalars(select(OAuthCode)).one()
    assert code.scopes == ["get_user_info"]
    assert "code=" in response.headers["Location"]


@pytest.mark.parametrize(("change", "ret"), [
    ({"client_id": ""}, "100001"),
    ({"client_id": "999999"}, "100008"),
    ({"redirect_uri": "https://evil.example/cb"}, "100010"),
    ({"redirect_uri": WEB_REDIRECT + "/"}, "100010"),
    ({"redirect_uri": ""}, "100010"),
    ({"response_type": "id_token"}, "100000"),
    ({"scope": "get_user_info,pay"}, "100031"),
])
def test_oidcc_ensure_registered_redirect_uri_never_redirects(world, browser, client, change,
                                                             ret):
    browser.login()
    response = client.get(PATH + "?" + urlencode(_params(world, **change)))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert ret in response.get_data(as_text=True)


def test_implicit_token_in_fragment(world, browser, client):
    browser.login()
    response = browser.consent(PATH, _params(world, response_type="token"))
    location = response.headers["Location"]
    assert location.startswith(WEB_REDIRECT + "#access_token=")
    fragment = query_of(location, fragment=True)
    assert fragment["expires_in"] == "7776000" and fragment["state"] == "s1"
    me = client.get("/oauth2.0/me", query_string={"access_token": fragment["access_token"],
                                                   "fmt": "json"})
    assert me.get_json()["client_id"] == world.web.appid


def test_native_app_needs_s256_and_loopback_port_may_vary(world, browser, client):
    browser.login()
    params = {"response_type": "code", "client_id": world.native.appid,
              "redirect_uri": "http://127.0.0.1:53123/callback", "state": "s"}
    assert client.get(PATH + "?" + urlencode(params)).status_code == 400  # no PKCE
    plain = client.get(PATH + "?" + urlencode({**params, "code_challenge": "a" * 43,
                                               "code_challenge_method": "plain"}))
    assert plain.status_code == 400
    verifier, challenge = pkce_pair()
    response = browser.consent(PATH, {**params, "code_challenge": challenge,
                                      "code_challenge_method": "S256"})
    code = query_of(response.headers["Location"])["code"]
    token = {"grant_type": "authorization_code", "client_id": world.native.appid,
             "code": code, "redirect_uri": "http://127.0.0.1:53123/callback"}
    tampered = client.post("/oauth2.0/token", data={**token, "code_verifier": verifier[:-1] + "x"})
    assert b'"error":100019' in tampered.get_data()
    good = client.post("/oauth2.0/token", data={**token, "code_verifier": verifier})
    assert good.get_data(as_text=True).startswith("access_token=")
    assert NATIVE_REDIRECT in world.native.redirect_uris


def test_non_live_app_only_for_developer_and_test_users(world, browser, client, factory):
    draft, _ = create_app(world.developer, name="Draft", redirect_uris=[WEB_REDIRECT])
    db.session.commit()
    browser.login()
    response = client.get(PATH + "?" + urlencode(_params(world, client_id=draft.appid)))
    assert response.status_code == 400 and "100011" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(
        as_text=True))})
    browser.login("devon")
    assert client.get(PATH + "?" + urlencode(_params(world, client_id=draft.appid))
                      ).status_code == 200

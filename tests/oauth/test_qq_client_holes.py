"""QQ-client holes: untyped JSON token bodies (Auth.js/NextAuth, bare fetch) and /oauth2.0/show."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.oauth.conftest import WEB_REDIRECT, legacy_code, query_of

BODY = re.compile(r"^access_token=([0-9A-F]{32})&expires_in=7776000&refresh_token=([0-9A-F]{32})$")


def _form(world, code):
    return {"grant_type": "authorization_code", "client_id": world.web.appid,
            "client_secret": world.web_key, "code": code, "redirect_uri": WEB_REDIRECT}


@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", None,
                                          "application/octet-stream"])
def test_json_body_without_json_type_is_understood(world, browser, client, content_type):
    """fetch(url, {method: "POST", body: JSON.stringify(params)}) arrives as text/plain."""
    raw = json.dumps(_form(world, legacy_code(browser, world.web))).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/oauth2.0/token", data=raw, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert BODY.match(response.get_data(as_text=True)), response.get_data(as_text=True)


@pytest.mark.parametrize("raw", [b"not json", b"{broken", b"[1, 2]", b"\xff\xfe{",
                                 b'{"client_id": {"nested": 1}}', b"{" + b" " * 20000 + b"}"])
def test_untyped_bodies_that_are_not_a_json_object_are_ignored(world, client, raw):
    response = client.post("/oauth2.0/token", data=raw, headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("callback( ") and text.endswith(" );\n")
    assert json.loads(text[10:-4])["error"] in (100000, 100001, 100004, 100019, 100010)


def test_query_still_wins_over_an_untyped_json_body(world, browser, client):
    code = legacy_code(browser, world.web)
    form = _form(world, code)
    body = json.dumps({**form, "client_secret": "wrong"}).encode()
    response = client.post("/oauth2.0/token?client_secret=" + world.web_key, data=body,
                           headers={"Content-Type": "text/plain"})
    assert BODY.match(response.get_data(as_text=True))


def test_show_redirects_to_authorize_with_the_same_parameters(world, client):
    state = "a/b?c=" + "x" * 300
    response = client.get("/oauth2.0/show", query_string={
        "which": "Login", "display": "pc", "client_id": world.web.appid,
        "redirect_uri": WEB_REDIRECT, "state": state, "scope": "get_user_info"})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/oauth2.0/authorize"
    params = parse_qsl(target.query)
    assert ("which", "Login") not in params
    assert dict(params) == {"response_type": "code", "display": "pc",
                            "client_id": world.web.appid, "redirect_uri": WEB_REDIRECT,
                            "state": state, "scope": "get_user_info"}


def test_show_link_logs_in_and_returns_a_code(world, browser):
    browser.login()
    params = {"which": "Login", "display": "pc", "response_type": "code",
              "client_id": world.web.appid, "redirect_uri": WEB_REDIRECT, "state": "s9"}
    shown = browser.client.get("/oauth2.0/show", query_string=params)
    location = shown.headers["Location"]
    response = browser.consent("/oauth2.0/authorize", query_of(location))
    assert response.status_code == 302
    back = query_of(response.headers["Location"])
    assert back["state"] == "s9" and re.fullmatch(r"[0-9A-F]{32}", back["code"])


def test_show_without_a_client_is_the_authorize_error_page(world, browser, client):
    browser.login()
    response = client.get("/oauth2.0/show?which=Login&redirect_uri=https://evil.example/cb",
                          follow_redirects=True)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "100001" in response.get_data(as_text=True)

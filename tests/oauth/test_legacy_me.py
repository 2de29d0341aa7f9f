"""/oauth2.0/me: the callback wrapper byte for byte, unionid rules, token errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.extensions import db
from gateway.identity.services import openid_for
from tests.oauth.conftest import WEB_REDIRECT, legacy_code


@pytest.fixture
def app_config() -> dict[str, Any]:
    """No cached app facts between requests: a test turns unionid on directly in the database."""
    return {"ZC_APP_CACHE_TTL": 0}


def _token(world, browser, client):
    body = client.post("/oauth2.0/token", data={
        "grant_type": "authorization_code", "client_id": world.web.appid,
        "client_secret": world.web_key, "code": legacy_code(browser, world.web),
        "redirect_uri": WEB_REDIRECT}).get_data(as_text=True)
    return body.split("&")[0].split("=")[1]


def test_me_is_byte_exact_on_get_and_post(world, browser, client):
    token = _token(world, browser, client)
    openid = openid_for(world.user.id, world.web)
    expected = f'callback( {{"client_id":"{world.web.appid}","openid":"{openid}"}} );\n'.encode()
    for response in (client.get("/oauth2.0/me", query_string={"access_token": token}),
                     client.post("/oauth2.0/me", data={"access_token": token}),
                     client.get("/oauth2.0/me", query_string={"access_token": token},
                                headers={"Authorization": "Bearer junk"})):
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        assert response.get_data() == expected
        assert len(expected) == 83
        # the position-based parsers of old clients
        assert re.search(r'"openid":"(\w+)"', response.get_data(as_text=True))[1] == openid


def test_me_fmt_json_and_unionid_last(world, browser, client):
    token = _token(world, browser, client)
    assert client.get("/oauth2.0/me", query_string={"access_token": token, "fmt": "json"}
                      ).get_json() == {"client_id": world.web.appid,
                                       "openid": openid_for(world.user.id, world.web)}
    refused = client.get("/oauth2.0/me", query_string={"access_token": token, "unionid": "1"})
    assert refused.get_data() == (b'callback( {"error":100048,"error_description":'
                                  b'"companyid not set"} );\n')
    world.web.unionid_enabled = True
    db.session.commit()
    text = client.get("/oauth2.0/me", query_string={"access_token": token, "unionid": "1"}
                      ).get_data(as_text=True)
    assert re.fullmatch(r'callback\( \{"client_id":"\d+","openid":"[0-9A-F]{32}",'
                        r'"unionid":"UID_[0-9A-F]{32}"\} \);\n', text)


def test_me_token_errors(world, browser, client):
    assert client.get("/oauth2.0/me").get_data() == (
        b'callback( {"error":100007,"error_description":"access_token missing"} );\n')
    assert client.get("/oauth2.0/me", query_string={"access_token": "A" * 32,
                                                     "fmt": "json"}).get_json() == {
        "error": 100013, "error_description": "access token is illegal"}

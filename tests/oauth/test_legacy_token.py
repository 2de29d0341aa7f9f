"""/oauth2.0/token: every request shape, the exact QQ body, and each error code."""

from __future__ import annotations

import base64
import json
import re

import pytest
from sqlalchemy import func, select

from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.oauth.models import OAuthToken
from tests.oauth.conftest import WEB_REDIRECT, legacy_code

BODY = re.compile(r"^access_token=([0-9A-F]{32})&expires_in=7776000&refresh_token=([0-9A-F]{32})$")


def _form(world, code):
    return {"grant_type": "authorization_code", "client_id": world.web.appid,
            "client_secret": world.web_key, "code": code, "redirect_uri": WEB_REDIRECT}


def _callback(response):
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert text.startswith("callback( ") and text.endswith(" );\n")
    return json.loads(text[10:-4])


@pytest.mark.parametrize("shape", ["get", "form", "json", "basic"])
def test_every_request_shape_gets_the_exact_body(world, browser, client, shape):
    data = _form(world, legacy_code(browser, world.web))
    headers = {"Accept": "application/json"}  # must not switch the format
    if shape == "get":
        response = client.get("/oauth2.0/token", query_string=data, headers=headers)
    elif shape == "form":
        response = client.post("/oauth2.0/token", data=data, headers=headers)
    elif shape == "json":
        response = client.post("/oauth2.0/token", json=data, headers=headers)
    else:
        secret = data.pop("client_secret")
        creds = base64.b64encode(f"{data.pop('client_id')}:{secret}".encode()).decode()
        response = client.post("/oauth2.0/token", data=data,
                               headers={**headers, "Authorization": f"Basic {creds}"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert BODY.match(response.get_data(as_text=True))


def test_fmt_json_has_string_expires_in_and_no_token_type(world, browser, client):
    data = {**_form(world, legacy_code(browser, world.web)), "fmt": "json", "need_openid": "1"}
    response = client.post("/oauth2.0/token", data=data)
    body = response.get_json()
    assert list(body) == ["access_token", "expires_in", "refresh_token", "openid"]
    assert body["expires_in"] == "7776000" and "token_type" not in body
    assert re.fullmatch(r"[0-9A-F]{32}", body["openid"])


def test_unknown_and_repeated_params_are_ignored(world, browser, client):
    code = legacy_code(browser, world.web)
    query = "&".join(f"{k}={v}" for k, v in _form(world, code).items())
    query += f"&state=x&nonce=y&format=json&oauth_consumer_key={world.web.appid}"
    query += f"&oauth_consumer_key={world.web.appid}"
    response = client.get("/oauth2.0/token?" + query)
    assert BODY.match(response.get_data(as_text=True))


def test_only_digests_are_stored(world, browser, client):
    response = client.post("/oauth2.0/token", data=_form(world, legacy_code(browser, world.web)))
    access, refresh = BODY.match(response.get_data(as_text=True)).groups()
    db.session.expire_all()
    row = db.session.scalars(select(OAuthToken)).one()
    assert access not in (row.access_digest, row.refresh_digest)
    assert refresh not in (row.access_digest, row.refresh_digest)
    assert len(row.access_digest) == 64


def test_oidcc_codereuse(world, browser, client):
    """A second redemption fails with 100020 and revokes the tokens of the first."""
    data = _form(world, legacy_code(browser, world.web))
    access = BODY.match(client.post("/oauth2.0/token", data=data).get_data(as_text=True))[1]
    assert _callback(client.post("/oauth2.0/token", data=data)) == {
        "error": 100020, "error_description": "code is reused error"}
    assert _callback(client.get("/oauth2.0/me", query_string={"access_token": access})) == {
        "error": 100015, "error_description": "access token revoked"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "code.replayed")) == 1


def _error(client, data, fmt=None):
    if fmt:
        data = {**data, "fmt": "json"}
    response = client.post("/oauth2.0/token", data=data)
    if fmt:
        assert response.status_code == 200 and response.mimetype == "application/json"
        return response.get_json()
    return _callback(response)


@pytest.mark.parametrize(("change", "ret", "description"), [
    ({"grant_type": "password"}, 100004, "param grant_type is wrong or lost "),
    ({"client_id": ""}, 100001, "param client_id is wrong or lost "),
    ({"client_id": "999999999"}, 100008, "appid does not exist"),
    ({"client_secret": ""}, 100002, "client_secret missing"),
    ({"client_secret": "0" * 32}, 100009, "client secret is illegal"),
    ({"code": ""}, 100005, "code missing"),
    ({"code": "F" * 32}, 100019, "code to access token error"),
    ({"redirect_uri": "https://site.example/other"}, 100010, "redirect uri is illegal"),
])
@pytest.mark.parametrize("fmt", [None, "json"])
def test_each_error_code(world, browser, client, change, ret, description, fmt):
    good = _form(world, legacy_code(browser, world.web))
    assert _error(client, {**good, **change}, fmt) == {"error": ret,
                                                       "error_description": description}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OAuthToken)) == 0
    # the refused attempt changed nothing: the code still works once
    assert BODY.match(client.post("/oauth2.0/token", data=good).get_data(as_text=True))


def test_error_exact_bytes(world, client):
    response = client.get("/oauth2.0/token", query_string={
        "grant_type": "authorization_code", "client_id": world.web.appid,
        "client_secret": world.web_key, "code": "0" * 32, "redirect_uri": WEB_REDIRECT})
    assert response.get_data() == (b'callback( {"error":100019,"error_description":'
                                   b'"code to access token error"} );\n')


def test_refresh_rotates_and_missing_refresh_is_100006(world, browser, client):
    first = BODY.match(client.post("/oauth2.0/token", data=_form(
        world, legacy_code(browser, world.web))).get_data(as_text=True))
    refresh = {"grant_type": "refresh_token", "client_id": world.web.appid,
               "client_secret": world.web_key, "refresh_token": first[2]}
    second = BODY.match(client.get("/oauth2.0/token", query_string=refresh)
                        .get_data(as_text=True))
    assert second and second[2] != first[2]
    assert _error(client, {**refresh, "refresh_token": ""}) == {
        "error": 100006, "error_description": "refresh_token missing"}
    assert _error(client, {**refresh, "client_secret": "1" * 32})["error"] == 100040


def test_suspended_app_is_100011(world, browser, client):
    data = _form(world, legacy_code(browser, world.web))
    world.web.status = "suspended"
    db.session.commit()
    assert _error(client, data)["error"] == 100011

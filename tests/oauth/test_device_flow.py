"""RFC 8628 device authorization grant: endpoint, /device page, polling, single use."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from gateway.extensions import db
from gateway.oauth.models import DeviceCode
from gateway.timeutil import utcnow
from tests.conftest import csrf_from

GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _start(client, world, scope="get_user_info openid"):
    response = client.post("/oauth2/device_authorization", data={
        "client_id": world.native.appid, "scope": scope})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _poll(client, world, device_code):
    return client.post("/oauth2/token", data={"grant_type": GRANT, "client_id": world.native.appid,
                                              "device_code": device_code})


def _answer(client, user_code, confirm="yes"):
    page = client.get("/device", query_string={"user_code": user_code})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scopes = re.findall(r'name="approved_scope" value="([^"]+)"', html)
    return client.post("/device", data={"csrf_token": csrf_from(html), "user_code": user_code,
                                        "approved_scope": scopes, "confirm": confirm})


def test_device_flow_end_to_end(world, browser, client):
    started = _start(client, world)
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", started["user_code"])
    assert started["verification_uri"] == "http://localhost/device"
    assert started["interval"] == 5 and started["expires_in"] == 600
    assert _poll(client, world, started["device_code"]).get_json()["error"] == \
        "authorization_pending"
    assert _poll(client, world, started["device_code"]).get_json()["error"] == "slow_down"
    row = db.session.scalars(select(DeviceCode)).one()
    assert started["device_code"] not in row.device_code_digest  # digests only
    browser.login()
    done = _answer(client, started["user_code"].lower().replace("-", " "))
    assert "Device connected" in done.get_data(as_text=True)
    token = _poll(client, world, started["device_code"]).get_json()
    assert token["token_type"] == "Bearer" and token["openid"]
    assert set(token["scope"].split()) == {"get_user_info", "openid"}
    again = _poll(client, world, started["device_code"])
    assert again.status_code == 400  # single use


def test_device_refusal_and_expiry(world, browser, client):
    started = _start(client, world)
    browser.login()
    _answer(client, started["user_code"], confirm="no")
    assert _poll(client, world, started["device_code"]).get_json()["error"] == "access_denied"
    late = _start(client, world)
    for row in db.session.scalars(select(DeviceCode)):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _poll(client, world, late["device_code"]).get_json()["error"] == "expired_token"
    assert client.get("/device", query_string={"user_code": late["user_code"]}
                      ).status_code == 400


def test_device_page_needs_login_and_unknown_scope_refused(world, client):
    assert client.get("/device").headers["Location"].startswith("/login")
    refused = client.post("/oauth2/device_authorization", data={
        "client_id": world.native.appid, "scope": "pay"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_scope"
    assert db.session.scalar(select(DeviceCode.id)) is None

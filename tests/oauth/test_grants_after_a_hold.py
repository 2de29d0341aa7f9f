"""Credentials a user handed out before an operator's hold give nothing after it: an unused
authorization code is spent by the ban, and a device the user approved is refused when it polls."""

from __future__ import annotations

from sqlalchemy import select

from gateway.accounts.models import User
from gateway.extensions import db
from gateway.moderation import services as moderation
from gateway.oauth.models import OAuthToken
from tests.oauth.conftest import WEB_REDIRECT, legacy_code
from tests.oauth.test_device_flow import _answer, _poll, _start


def _ban(factory, user_id: int) -> None:
    operator = factory.user("opal", is_admin=True)
    moderation.suspend(db.session.get(User, user_id), operator, "banned", "Fraud.")
    db.session.commit()


def test_a_code_issued_before_the_ban_is_refused(world, browser, client, factory):
    code = legacy_code(browser, world.web)
    _ban(factory, world.user.id)
    answer = client.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT},
        auth=(world.web.appid, world.web_key))
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"


def test_a_device_approved_before_the_ban_is_refused(world, browser, client, factory):
    started = _start(client, world)
    browser.login()
    _answer(client, started["user_code"])
    _ban(factory, world.user.id)
    answer = _poll(client, world, started["device_code"])
    assert answer.status_code == 400 and answer.get_json()["error"] == "access_denied"
    assert db.session.scalars(select(OAuthToken)).all() == []

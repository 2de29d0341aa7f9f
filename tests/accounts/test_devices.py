"""The sessions page and the new-device mail, on server-side session records."""

from __future__ import annotations

import re

import pytest

from gateway.accounts.models import UserSession
from gateway.extensions import db
from tests.conftest import Auth, csrf_from

CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def app_config(smtp_server):
    return {"ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": "https://id.example.com"}


def _browser(app, agent):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    return client


def test_sessions_page_lists_devices_and_signs_out(app, factory):
    factory.user("roamer")
    laptop, phone = _browser(app, CHROME), _browser(app, IPHONE)
    Auth(laptop).login("roamer")
    Auth(phone).login("roamer")
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert "Chrome 120 on Linux" in page and "Mobile Safari 17 on iOS" in page
    assert page.index("this browser") < page.index("Mobile Safari")  # this one first
    assert "127.0.0.1" in page and "First seen" in page and "Last seen" in page
    phone_id = db.session.query(UserSession).filter(
        UserSession.user_agent == IPHONE).one().id
    answer = laptop.post(f"/account/sessions/{phone_id}/end",
                         data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 302
    assert phone.get("/account/profile").status_code == 302  # signed out for real
    assert laptop.get("/account/profile").status_code == 200


def test_sign_out_all_others_keeps_this_one(app, factory):
    factory.user("roamer")
    browsers = [_browser(app, CHROME) for _ in range(3)]
    for browser in browsers:
        Auth(browser).login("roamer")
    page = browsers[0].get("/account/sessions").get_data(as_text=True)
    answer = browsers[0].post("/account/sessions/end-others", data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 302
    assert "Signed out of 2 other sessions." in browsers[0].get(
        "/account/sessions").get_data(as_text=True)
    assert [b.get("/account/profile").status_code for b in browsers] == [200, 302, 302]


def test_another_accounts_session_cannot_be_ended(app, factory):
    victim_user_id = factory.user("victim").id
    factory.user("mallory")
    victim, mallory = _browser(app, CHROME), _browser(app, CHROME)
    Auth(victim).login("victim")
    Auth(mallory).login("mallory")
    victim_id = db.session.query(UserSession).filter_by(user_id=victim_user_id).one().id
    page = mallory.get("/account/sessions").get_data(as_text=True)
    assert f"/account/sessions/{victim_id}/end" not in page
    mallory.post(f"/account/sessions/{victim_id}/end", data={"csrf_token": csrf_from(page)})
    assert victim.get("/account/profile").status_code == 200
    assert mallory.post(f"/account/sessions/{victim_id}/end").status_code == 400  # no CSRF


def test_a_new_device_gets_a_mail_a_known_one_does_not(app, factory, smtp_server, send_mail):
    factory.user("watched", email="watched@example.org")
    Auth(_browser(app, CHROME)).login("watched")  # the first sign-in: nothing to compare
    Auth(_browser(app, CHROME)).login("watched")  # the same kind of device
    send_mail()
    assert smtp_server.to("watched@example.org") == []
    Auth(_browser(app, IPHONE)).login("watched")
    send_mail()
    [mail] = smtp_server.to("watched@example.org")
    assert mail.message["Subject"] == "New sign-in to your ZoneConnect account"
    assert "Mobile Safari 17 on iOS" in mail.text and "127.0.0.1" in mail.text
    assert "https://id.example.com/account/sessions" in mail.text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", mail.html)

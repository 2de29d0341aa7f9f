"""Which language a page speaks: the account's choice, the cookie, ui_locales, Accept-Language,
then ZC_DEFAULT_LOCALE; the language switch; wire formats that never change."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.accounts.models import User
from gateway.extensions import db
from tests.conftest import csrf_from
from tests.oauth.conftest import WEB_REDIRECT, query_of

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.8"}


def page(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_DEFAULT_LOCALE": "zh_Hans"}  # the platform's real default


def test_default_is_simplified_chinese(client: FlaskClient) -> None:
    html = page(client, "/login")
    assert '<html lang="zh-Hans">' in html
    assert "<h1>登录 ZoneConnect</h1>" in html and "Log in to ZoneConnect" not in html


def test_accept_language_picks_english_and_chinese(client: FlaskClient) -> None:
    assert '<html lang="en">' in page(client, "/login", EN)
    assert "<h1>Log in to ZoneConnect</h1>" in page(client, "/login", EN)
    assert "<h1>登录 ZoneConnect</h1>" in page(client, "/login", {"Accept-Language": "zh-TW"})
    assert "<h1>登录 ZoneConnect</h1>" in page(client, "/login", {"Accept-Language": "fr, de"})


def test_every_page_has_the_language_switch_skip_link_and_status_region(
        client: FlaskClient) -> None:
    html = page(client, "/", EN)
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main"' in html and 'role="status"' in html
    assert 'action="/language"' in html and 'name="lang" value="zh_Hans"' in html
    assert html.count("<h1") == 1


def test_switch_sets_the_cookie_and_returns_to_the_page(client: FlaskClient) -> None:
    token = csrf_from(page(client, "/signup", ZH))
    response = client.post("/language", data={"csrf_token": token, "lang": "en",
                                               "return_to": "/signup"}, headers=ZH)
    assert response.status_code == 302 and response.headers["Location"] == "/signup"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("zc_lang=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "<h1>Create your ZoneConnect account</h1>" in page(client, "/signup", ZH)


def test_switch_refuses_forgery_open_redirects_and_unknown_languages(
        client: FlaskClient) -> None:
    forged = client.post("/language", data={"lang": "en", "return_to": "/"}, headers=EN)
    assert forged.status_code == 400 and "zc_lang" not in forged.headers.get("Set-Cookie", "")
    token = csrf_from(page(client, "/", EN))
    away = client.post("/language", data={"csrf_token": token, "lang": "en",
                                           "return_to": "//evil.example/x"})
    assert away.headers["Location"] == "/"
    odd = client.post("/language", data={"csrf_token": token, "lang": "xx\r\nSet-Cookie: a=b",
                                          "return_to": "/"})
    assert odd.status_code == 302 and "Set-Cookie" not in odd.headers


def test_choice_is_saved_on_the_account(app: Flask, client: FlaskClient, factory: Any,
                                        auth: Any) -> None:
    factory.user("lin")
    auth.login("lin")
    client.post("/language", data={"csrf_token": auth.csrf("/"), "lang": "en", "return_to": "/"})
    lin = db.session.query(User).filter_by(username="lin").one()
    assert lin.language == "en" and lin.locale == "en"  # mail follows the choice too
    # Another browser (no cookie) that prefers Chinese still gets the account's English.
    other = app.test_client()
    token = csrf_from(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"username": "lin", "password": "password123",
                               "csrf_token": token})
    assert "<h1>Your profile</h1>" in page(other, "/account/profile", ZH)


def test_ui_locales_is_kept_through_login_and_consent(world: Any, client: FlaskClient,
                                                      auth: Any) -> None:
    params = {"response_type": "code", "client_id": world.web.appid, "scope": "openid",
              "redirect_uri": WEB_REDIRECT, "state": "s", "ui_locales": "en-GB fr"}
    authorize = "/oauth2/authorize?" + urlencode(params)
    to_login = client.get(authorize, headers=ZH)
    assert to_login.status_code == 302 and "ui_locales" in to_login.headers["Location"]
    login_page = page(client, to_login.headers["Location"], ZH)
    assert '<html lang="en">' in login_page and "Log in to continue to" in login_page
    bad = client.post("/login", data={"username": "alice", "password": "wrong",
                                      "csrf_token": csrf_from(login_page), "next": authorize},
                      headers=ZH)
    assert "Wrong username or password." in bad.get_data(as_text=True)
    done = client.post("/login", data={"username": "alice", "password": "password123",
                                       "csrf_token": csrf_from(login_page), "next": authorize},
                       headers=ZH)
    consent = page(client, done.headers["Location"], ZH)
    assert "wants to use your ZoneConnect account" in consent
    # Without ui_locales the same browser reads Chinese.
    del params["ui_locales"]
    assert "想要使用你的 ZoneConnect 账号" in page(client, "/oauth2/authorize?" + urlencode(params),
                                                 ZH)


def test_wtforms_own_messages_and_field_errors_are_translated_and_described(
        client: FlaskClient) -> None:
    token = csrf_from(page(client, "/login", ZH))
    html = client.post("/login", data={"csrf_token": token, "username": "",
                                       "password": ""}, headers=ZH).get_data(as_text=True)
    assert "此项为必填项。" in html and "This field is required." not in html
    assert '<label for="username">用户名</label>' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="username-error"' in html
    assert '<span class="error" id="username-error">' in html


def test_dates_money_and_numbers_follow_the_locale_and_time_zone(app: Flask) -> None:
    from datetime import datetime

    from flask_babel import refresh

    from gateway.i18n import number, when
    from gateway.money import format_money as money

    stored = datetime(2026, 12, 2, 3, 30)  # naive UTC, as every timestamp is stored
    with app.test_request_context(headers=ZH):
        refresh()
        assert when(stored) == "2026年12月2日 11:30:00"  # Asia/Shanghai
        assert money(123000, "CNY") == "¥1,230.00"
        assert number(1234567) == "1,234,567"
    with app.test_request_context(headers=EN):
        refresh()  # the test's app context outlives one request; Flask-Babel caches per context
        assert when(stored).startswith("Dec 2, 2026, 11:30:00")
        assert money(123000, "USD") == "$1,230.00"


def test_times_show_in_the_account_time_zone(app: Flask, client: FlaskClient, factory: Any,
                                             auth: Any) -> None:
    from datetime import datetime

    from gateway.authorizations.services import record_consent

    user = factory.user("mei", nickname="Mei")
    world_app = _an_app(factory)
    grant = record_consent(user.id, world_app.id, ["get_user_info"])
    grant.created_at = datetime(2026, 12, 2, 3, 30)
    db.session.commit()
    auth.login("mei")
    assert "2026年12月2日 11:30:00" in page(client, "/account/apps", ZH)
    user.timezone = "Europe/London"
    db.session.commit()
    assert "2026年12月2日 03:30:00" in page(client, "/account/apps", ZH)


def _an_app(factory: Any) -> Any:
    from gateway.apps.services import create_app

    owner = factory.user()
    app, _key = create_app(owner, name="Clock", redirect_uris=["https://c.example/cb"],
                           live=True)
    db.session.commit()
    return app


def test_rest_error_description_follows_accept_language(client: FlaskClient) -> None:
    zh = client.get("/api/v1/me", headers={**ZH, "Authorization": "Bearer " + "A" * 32})
    en = client.get("/api/v1/me", headers={**EN, "Authorization": "Bearer " + "A" * 32})
    zh_body, en_body = zh.get_json(), en.get_json()
    assert zh.status_code == en.status_code == 401
    assert zh_body["error"] == en_body["error"] == "invalid_token"
    assert zh_body["ret"] == en_body["ret"]
    assert zh_body["error_description"] == "访问令牌无效"
    assert en_body["error_description"] == "access token is illegal"
    # The header stays ASCII (RFC 6750): English whatever the reader.
    assert zh.headers["WWW-Authenticate"] == en.headers["WWW-Authenticate"]


def test_qq_legacy_bodies_are_byte_for_byte_the_same_in_every_language(
        world: Any, client: FlaskClient) -> None:
    query = {"access_token": "B" * 32, "oauth_consumer_key": world.web.appid,
             "openid": "C" * 32}
    bodies = {client.get("/user/get_user_info?" + urlencode(query), headers=h).get_data()
              for h in (ZH, EN, {"Cookie": "zc_lang=zh_Hans"})}
    assert bodies == {b'{"ret":100013,"msg":"access token is illegal"}'}
    me = {client.get("/oauth2.0/me?access_token=" + quote("D" * 32), headers=h).get_data()
          for h in (ZH, EN)}
    assert me == {b'callback( {"error":100013,"error_description":"access token is illegal"} );\n'}


def test_scope_words_agree_between_discovery_and_the_consent_page(
        world: Any, client: FlaskClient, browser: Any) -> None:
    discovery = client.get("/.well-known/openid-configuration").get_json()
    words = discovery["scope_descriptions"]["get_user_info"]
    assert words == {"zh-Hans": "查看你的昵称、性别、地区和头像",
                     "en": "See your nickname, gender, region and avatar"}
    assert discovery["ui_locales_supported"] == ["zh-Hans", "en"]
    browser.login()
    params = {"response_type": "code", "client_id": world.web.appid, "scope": "get_user_info",
              "redirect_uri": WEB_REDIRECT, "state": "s"}
    consent = page(client, "/oauth2/authorize?" + urlencode(params), ZH)
    assert words["zh-Hans"] in consent
    assert words["en"] in page(client, "/oauth2/authorize?" + urlencode(params), EN)


def test_oauth_protocol_errors_stay_english(world: Any, client: FlaskClient) -> None:
    """RFC 6749 keeps error_description ASCII: the token endpoint answers in English."""
    response = client.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": "nope", "redirect_uri": WEB_REDIRECT,
        "client_id": world.web.appid, "client_secret": world.web_key}, headers=ZH)
    body = json.loads(response.data)
    assert body["error"] == "invalid_grant"
    assert body.get("error_description", "").isascii()
    assert query_of  # imported helper kept in use for the flows above


@pytest.mark.parametrize("setting", [{"ZC_DEFAULT_LOCALE": "fr"},
                                     {"ZC_DEFAULT_TIMEZONE": "Mars/Olympus"}])
def test_bad_language_settings_stop_the_start(setting: dict[str, str]) -> None:
    from gateway import create_app
    from gateway.config import ConfigError
    from tests.conftest import BASE_CONFIG

    with pytest.raises(ConfigError):
        create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", **setting})

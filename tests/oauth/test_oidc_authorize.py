"""/oauth2/authorize: prompt, max_age, error handling and the RFC 9207 iss parameter."""

from __future__ import annotations

from urllib.parse import urlencode

from gateway.accounts.models import User
from gateway.extensions import db
from tests.oauth.conftest import WEB_REDIRECT, query_of

PATH = "/oauth2/authorize"


def _url(world, **extra):
    params = {"response_type": "code", "client_id": world.web.appid, "scope": "openid",
              "redirect_uri": WEB_REDIRECT, "state": "st", **extra}
    return PATH + "?" + urlencode(params)


def test_oidcc_prompt_none_not_logged_in(world, client):
    response = client.get(_url(world, prompt="none"))
    assert response.status_code == 302
    params = query_of(response.headers["Location"])
    assert params["error"] == "login_required" and params["state"] == "st"
    assert params["iss"] == "http://localhost"


def test_prompt_none_without_grant_is_consent_required(world, browser, client):
    browser.login()
    params = query_of(client.get(_url(world, prompt="none")).headers["Location"])
    assert params["error"] == "consent_required"
    browser.consent(PATH, query_of(_url(world)))
    again = query_of(client.get(_url(world, prompt="none")).headers["Location"])
    assert "code" in again and again["iss"] == "http://localhost"


def test_oidcc_prompt_login_forces_a_fresh_login(world, browser, client):
    browser.login()
    browser.consent(PATH, query_of(_url(world)))
    response = client.get(_url(world, prompt="login"))
    assert response.headers["Location"].startswith("/login?next=")
    target = query_of(response.headers["Location"])["next"]
    assert "prompt" not in target  # after logging in the user is not sent round again
    browser.auth.login("alice", next=target)
    assert "code" in query_of(client.get(target).headers["Location"])


def test_oidcc_max_age_1(world, browser, client, monkeypatch):
    browser.login()
    browser.consent(PATH, query_of(_url(world)))
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 5)
    response = client.get(_url(world, max_age="1"))
    assert response.headers["Location"].startswith("/login?next=")
    assert "code" in query_of(client.get(_url(world, max_age="100")).headers["Location"])


def test_oidcc_response_type_missing(world, browser, client):
    browser.login()
    params = query_of(client.get(_url(world, response_type="")).headers["Location"])
    assert params["error"] == "unsupported_response_type" and params["state"] == "st"


def test_implicit_refused_on_standard_path(world, browser, client):
    browser.login()
    params = query_of(client.get(_url(world, response_type="token")).headers["Location"])
    assert params["error"] == "unsupported_response_type"


def test_oidcc_ensure_redirect_uri_in_authorization_request(world, browser, client):
    browser.login()
    response = client.get(_url(world, redirect_uri=""))
    assert response.status_code == 400 and "Location" not in response.headers
    assert response.mimetype == "text/html"
    unknown = client.get(_url(world, client_id="123"))
    assert unknown.status_code == 400 and "100008" in unknown.get_data(as_text=True)


def test_scope_not_granted_to_app_is_invalid_scope(world, browser, client):
    browser.login()
    params = query_of(client.get(_url(world, scope="openid pay")).headers["Location"])
    assert params["error"] == "invalid_scope"


def test_oidcc_ensure_other_scope_order_succeeds(world, browser, client):
    browser.login()
    response = browser.consent(PATH, query_of(_url(world, scope="profile openid")))
    assert "code" in query_of(response.headers["Location"])


def test_inactive_user_must_log_in_again(world, browser, client):
    browser.login()
    user = db.session.get(User, world.user.id)
    user.is_active = False
    db.session.commit()
    assert client.get(_url(world)).headers["Location"].startswith("/login")

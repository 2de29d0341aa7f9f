"""Brute force, enumeration, session fixation, cookie replay after logout, CSRF on every form,
clickjacking, open redirects after login and sign-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.attacks.conftest import INTERNALS
from tests.conftest import Auth, csrf_from


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_LOGIN_LIMIT_ACCOUNT": "3 per 5 minutes",
            "ZC_LOGIN_LIMIT_ADDRESS": "30 per 5 minutes"}


def test_brute_force_through_form_json_and_multipart_shares_one_lockout(client, auth,
                                                                       factory) -> None:
    factory.user("alice", "alice-password")
    auth.login("alice", "guess-1")
    client.post("/login", json={"username": "alice", "password": "guess-2"},
                headers={"X-CSRFToken": auth.csrf()})
    client.post("/login", data={"username": "Alice", "password": "guess-3",
                                "csrf_token": auth.csrf()}, content_type="multipart/form-data")
    assert auth.login("alice", "alice-password").status_code == 429
    assert client.post("/login", json={"username": "alice", "password": "alice-password"},
                       headers={"X-CSRFToken": auth.csrf()}).status_code == 429


def test_login_does_not_tell_which_accounts_exist(client, auth, factory) -> None:
    factory.user("alice", "alice-password")
    known = auth.login("alice", "wrong-password")
    unknown = auth.login("nobody-here", "wrong-password")
    assert known.status_code == unknown.status_code == 401
    strip = re.compile(r'value="[^"]*"|name="csrf_token"[^>]*')
    assert strip.sub("", known.get_data(as_text=True)).replace("alice", "X") == \
        strip.sub("", unknown.get_data(as_text=True)).replace("nobody-here", "X")


def test_session_fixation_a_planted_cookie_is_replaced_at_login(app: Flask, client, auth,
                                                                factory) -> None:
    factory.user("alice")
    client.get("/login")
    planted = client.get_cookie("zc_session").value
    auth.login("alice")
    assert client.get_cookie("zc_session").value != planted
    victim = app.test_client()
    victim.set_cookie("zc_session", planted)
    assert victim.get("/account/profile").status_code == 302


def test_a_copied_session_cookie_dies_at_logout(app: Flask, client, auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    copy = client.get_cookie("zc_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("zc_session", copy)
    assert thief.get("/account/profile").status_code == 302


def _form_posts(app: Flask) -> list[str]:
    """Every POST route that a browser form drives (API and protocol endpoints authenticate
    with credentials, not cookies, and are exempt from CSRF by design)."""
    exempt = ("/api/", "/oauth2/token", "/oauth2/revoke", "/oauth2/introspect", "/oauth2/device_",
              "/oauth2/par",
              "/oauth2/userinfo", "/oauth2.0/", "/webhooks/", "/share/add_share", "/photo/",
              "/user/",
              # signed one-click unsubscribe links (RFC 8058: mail clients POST without a
              # session); tests/notifications shows a changed byte is refused
              "/unsubscribe/")
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith(exempt):
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        paths.append(re.sub(r"<[^>]+>", "x", path))
    return sorted(set(paths))


def test_every_form_post_without_a_csrf_token_is_refused(app: Flask, client, auth,
                                                         factory) -> None:
    factory.user("alice", is_admin=True)
    auth.login("alice")
    posts = _form_posts(app)
    assert len(posts) > 30
    for path in posts:
        response = client.post(path, data={"confirm": "yes", "name": "x"})
        assert response.status_code == 400, (path, response.status_code)
        assert not INTERNALS.search(response.get_data(as_text=True)), path


def test_no_page_can_be_framed(client: FlaskClient, auth: Auth, factory) -> None:
    factory.user("alice")
    for path in ("/login", "/signup", "/"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
    auth.login("alice")
    for path in ("/account/profile", "/account/password", "/account/apps", "/device"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY", path


def test_next_after_login_and_signup_never_leaves_the_site(client, auth, factory) -> None:
    factory.user("alice")
    for n, target in enumerate(["//evil.example/", "https://evil.example/", "/\\evil.example",
                                "\\\\evil.example", "/%2F%2Fevil.example", "javascript:x"]):
        login = auth.login("alice", next=target)
        location = login.headers["Location"]
        assert login.status_code == 302 and location.startswith("/"), target
        assert not location.startswith(("//", "/\\")), target
        auth.logout()
        page = client.get("/signup", query_string={"next": target}).get_data(as_text=True)
        signup = client.post("/signup", data={
            "username": f"newbie{n}", "email": f"newbie{n}@example.com",
            "password": "password-123456", "confirm": "password-123456", "next": target,
            "csrf_token": csrf_from(page)})
        location = signup.headers.get("Location", "")
        assert signup.status_code == 302, target
        assert not location.startswith(("//", "http", "\\", "/\\")), target
        auth.logout()

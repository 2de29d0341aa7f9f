"""Logging in and out through the browser forms."""

from __future__ import annotations

from sqlalchemy import select

from gateway.audit.models import AuditEvent
from gateway.extensions import db
from tests.conftest import csrf_from


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_page_has_the_contract_inputs(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="csrf_token"' in html


def test_login_succeeds_and_is_audited(client, auth, factory):
    factory.user("alice", "alice-password")
    response = auth.login("alice", "alice-password")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Log out" in client.get("/").get_data(as_text=True)
    assert "login.succeeded" in actions()


def test_wrong_password_is_refused_and_audited(auth, factory):
    factory.user("alice", "alice-password")
    response = auth.login("alice", "wrong-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert actions()[-1] == "login.failed"


def test_unknown_user_gets_the_same_message(auth):
    response = auth.login("nobody", "whatever-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_login_is_case_insensitive_on_username(auth, factory):
    factory.user("alice", "alice-password")
    assert auth.login("ALICE", "alice-password").status_code == 302


def test_login_without_csrf_token_is_rejected(client, factory):
    factory.user("alice", "alice-password")
    response = client.post("/login", data={"username": "alice", "password": "alice-password"})
    assert response.status_code == 400
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_next_is_followed_only_to_local_paths(auth, factory):
    factory.user("alice", "alice-password")
    assert auth.login("alice", "alice-password", next="/account/profile").headers[
        "Location"] == "/account/profile"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        auth.logout()
        assert auth.login("alice", "alice-password", next=evil).headers["Location"] == "/"


def test_logout_requires_post_with_csrf(client, auth, factory):
    factory.user("alice", "alice-password")
    auth.login("alice", "alice-password")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert auth.logout().status_code == 302
    assert "Log in" in client.get("/").get_data(as_text=True)
    assert "logout" in actions()


def test_session_cookie_is_httponly_and_lax(auth, factory, client):
    factory.user("alice", "alice-password")
    response = auth.login("alice", "alice-password")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_page_refuses_framing(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_signup_creates_account_and_logs_in(client):
    token = csrf_from(client.get("/signup").get_data(as_text=True))
    response = client.post("/signup", data={"username": "newbie", "nickname": "New",
                                            "email": "newbie@example.org",
                                            "password": "long-enough", "confirm": "long-enough",
                                            "csrf_token": token})
    assert response.status_code == 302
    assert "Log out New" in client.get("/").get_data(as_text=True)


def test_signup_rejects_taken_and_bad_usernames(client, factory):
    factory.user("taken")
    for username, expected in (("taken", "That username is taken."),
                               ("a b", "3 to 32 letters")):
        token = csrf_from(client.get("/signup").get_data(as_text=True))
        response = client.post("/signup", data={"username": username, "password": "long-enough",
                                                "email": "someone@example.org",
                                                "confirm": "long-enough", "csrf_token": token})
        assert response.status_code in (409, 422)
        assert expected in response.get_data(as_text=True)


def test_login_page_names_the_app_that_asks(client, factory):
    from gateway.apps.services import create_app
    from gateway.extensions import db

    devon = factory.user("devon")
    app, _ = create_app(devon, name="Kite <Shop>", redirect_uris=["https://k.example/cb"],
                        live=True)
    db.session.commit()
    nxt = f"/oauth2.0/authorize?response_type=code&client_id={app.appid}&redirect_uri=x"
    html = client.get("/login", query_string={"next": nxt}).get_data(as_text=True)
    assert "continue to <strong>Kite &lt;Shop&gt;</strong>" in html
    plain = client.get("/login", query_string={"next": "/account/profile"}).get_data(as_text=True)
    assert "continue to" not in plain
    unknown = client.get("/login", query_string={
        "next": "/oauth2/authorize?client_id=999"}).get_data(as_text=True)
    assert "continue to" not in unknown

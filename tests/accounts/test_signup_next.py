"""Signing up from "log in to continue to <app>" goes back to the app's consent page, through
every step: the link from the login page, a refused form (twice), and the account creation."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from gateway.apps.services import create_app
from gateway.extensions import db
from tests.conftest import csrf_from

NEXT_FIELD = re.compile(r'<input[^>]*name="next"[^>]*value="([^"]*)"')


def _authorize_path(factory) -> str:
    devon = factory.user("devon")
    app, _ = create_app(devon, name="Kite Shop", redirect_uris=["https://k.example/cb"],
                        live=True)
    db.session.commit()
    return (f"/oauth2.0/authorize?response_type=code&client_id={app.appid}"
            "&redirect_uri=https%3A%2F%2Fk.example%2Fcb&state=s1")


def _next_in(page: str) -> str:
    match = NEXT_FIELD.search(page)
    assert match, "no next field on the page"
    return html.unescape(match.group(1))


def test_next_survives_signup_errors_and_lands_on_consent(client, factory):
    authorize = _authorize_path(factory)
    login_page = client.get("/login?next=" + quote(authorize, safe="")).get_data(as_text=True)
    link = re.search(r'id="signup-link" href="([^"]+)"', login_page)
    assert link
    signup_page = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert _next_in(signup_page) == authorize and "Kite Shop" in signup_page

    # Refused twice (passwords differ, then a bad username): `next` is still in the form.
    for fields in ({"username": "newbie", "confirm": "other-password"},
                   {"username": "a b", "confirm": "long-enough"}):
        response = client.post("/signup", data={
            "password": "long-enough", "csrf_token": csrf_from(signup_page),
            "next": _next_in(signup_page), **fields})
        assert response.status_code in (400, 409, 422)
        signup_page = response.get_data(as_text=True)
        assert _next_in(signup_page) == authorize and "Kite Shop" in signup_page

    response = client.post("/signup", data={
        "username": "newbie", "password": "long-enough", "confirm": "long-enough",
        "email": "newbie@example.org", "csrf_token": csrf_from(signup_page),
        "next": _next_in(signup_page)})
    assert response.status_code == 302 and response.headers["Location"] == authorize
    consent = client.get(authorize).get_data(as_text=True)
    assert 'name="confirm" value="yes"' in consent and "Kite Shop" in consent


def test_signup_never_follows_an_offsite_next(client):
    page = client.get("/signup?next=https://evil.example/").get_data(as_text=True)
    response = client.post("/signup", data={
        "username": "newbie", "password": "long-enough", "confirm": "long-enough",
        "email": "newbie@example.org", "csrf_token": csrf_from(page), "next": "//evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"

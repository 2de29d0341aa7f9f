"""Shared OAuth fixtures: developer, user, a confidential and a public app, a browser."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient

from gateway.apps.services import create_app
from gateway.extensions import db
from tests.conftest import Auth, csrf_from

WEB_REDIRECT = "https://site.example/callback"
NATIVE_REDIRECT = "http://127.0.0.1/callback"


@dataclass
class World:
    developer: Any
    user: Any
    web: Any
    web_key: str
    native: Any


@pytest.fixture
def world(factory: Any) -> World:
    developer = factory.user("devon", nickname="Devon")
    user = factory.user("alice", nickname="Alice", gender="female")
    web, web_key = create_app(developer, name="Web Site", redirect_uris=[WEB_REDIRECT],
                              scopes=["add_share"], live=True)
    native, _ = create_app(developer, name="Phone App", redirect_uris=[NATIVE_REDIRECT],
                           app_type="native", live=True)
    db.session.commit()
    return World(developer, user, web, web_key, native)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(location: str, fragment: bool = False) -> dict[str, str]:
    parts = urlsplit(location)
    return {k: v[0] for k, v in parse_qs(parts.fragment if fragment else parts.query).items()}


class Browser:
    """Drives the real login and consent pages with the test client."""

    def __init__(self, client: FlaskClient, auth: Auth) -> None:
        self.client = client
        self.auth = auth

    def login(self, username: str = "alice") -> None:
        assert self.auth.login(username).status_code == 302

    def consent(self, path: str, params: dict[str, str], *, approve: bool = True,
                uncheck: tuple[str, ...] = ()) -> Any:
        """Open the authorize URL, submit the consent form, return the final response."""
        url = path + "?" + urlencode(params)
        page = self.client.get(url)
        if page.status_code != 200:
            return page
        html = page.get_data(as_text=True)
        scopes = [s for s in _checkboxes(html) if s not in uncheck]
        return self.client.post(url, data={"csrf_token": csrf_from(html),
                                           "approved_scope": scopes,
                                           "confirm": "yes" if approve else "no"})


def _checkboxes(html: str) -> list[str]:
    import re

    return re.findall(r'name="approved_scope" value="([^"]+)"', html)


@pytest.fixture
def browser(client: FlaskClient, auth: Auth) -> Browser:
    return Browser(client, auth)


def legacy_code(browser: Browser, app: Any, redirect_uri: str = WEB_REDIRECT,
                **extra: str) -> str:
    """Log alice in, consent on /oauth2.0/authorize, return the code."""
    browser.login()
    params = {"response_type": "code", "client_id": app.appid, "redirect_uri": redirect_uri,
              "state": "s1", **extra}
    response = browser.consent("/oauth2.0/authorize", params)
    assert response.status_code == 302, response.get_data(as_text=True)
    return query_of(response.headers["Location"])["code"]

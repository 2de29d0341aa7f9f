"""Helpers for the security practice tests: one code flow through the real pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from gateway.oauth import tokens
from tests.oauth.conftest import WEB_REDIRECT, query_of

PATH = "/oauth2/authorize"
TOKEN = "/oauth2/token"
ISSUER = "http://localhost"
# What must never reach a client: stack traces and database errors.
INTERNALS = re.compile(r"Traceback|File \"|sqlalchemy|psycopg|sqlite|SELECT |IntegrityError",
                       re.IGNORECASE)


def authorize_url(world: Any, **extra: str) -> str:
    params = {"response_type": "code", "client_id": world.web.appid, "scope": "openid profile",
              "redirect_uri": WEB_REDIRECT, "state": "st", **extra}
    return PATH + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def callback(browser: Any, world: Any, **extra: str) -> dict[str, str]:
    """Log alice in, pass the consent page, return the callback's parameters."""
    browser.login()
    response = browser.consent(PATH, query_of(authorize_url(world, **extra)))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith(extra.get("redirect_uri", WEB_REDIRECT))
    return query_of(response.headers["Location"])


def redeem(client: Any, world: Any, code: str, **data: str) -> Any:
    """client_secret_post, as oidcc-server-client-secret-post does it."""
    return client.post(TOKEN, data={"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": WEB_REDIRECT, "client_id": world.web.appid,
                                    "client_secret": world.web_key, **data})


def travel(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    real = tokens.utcnow
    monkeypatch.setattr(tokens, "utcnow", lambda: real() + timedelta(seconds=seconds))


def userinfo(client: Any, access_token: str) -> Any:
    return client.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {access_token}"})

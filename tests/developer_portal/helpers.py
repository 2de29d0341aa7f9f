"""Driving the portal through its real pages and forms."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import csrf_from

APPKEY = re.compile(r'<code id="cred-appkey">([0-9A-F]{32})</code>')
APPID = re.compile(r'<code id="cred-appid">(\d+)</code>')
API_KEY = re.compile(r'<code id="api-key">(zcpat_[A-Za-z0-9_-]+)</code>')


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    """GET a page and check its status."""
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def post_form(client: FlaskClient, form_page: str, action: str, data: dict[str, Any],
              **kwargs: Any) -> Any:
    """POST to `action` with the CSRF token of the form on `form_page`."""
    token = csrf_from(page(client, form_page))
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)


def open_profile(client: FlaskClient, name: str = "Devon Ltd",
                 email: str = "devon@example.com") -> Any:
    """Open a developer profile through the form."""
    response = post_form(client, "/developer/", "/developer/", {
        "name": name, "contact_email": email, "accept_terms": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def register_app(client: FlaskClient, name: str = "Photo Share", **fields: str
                 ) -> tuple[str, str]:
    """Register an app through the form; returns (appid, appkey) read off the answer page."""
    data = {"name": name, "description": "", "category": "social", "website": "",
            "app_type": "web", "redirect_uris": "https://photos.example.com/callback",
            "webhook_url": "", "deauthorize_url": "", "test_users": "", **fields}
    response = post_form(client, "/developer/apps/new", "/developer/apps/new", data)
    # Post/redirect/get: the answer is a 303 to the page that shows the appkey once.
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/credentials")
    html = page(client, response.headers["Location"])
    appid, appkey = APPID.search(html), APPKEY.search(html)
    assert appid and appkey
    return appid.group(1), appkey.group(1)


def developer(client: FlaskClient, auth: Any, factory: Any, username: str,
              app_name: str | None = None) -> tuple[Any, str | None, str | None]:
    """A logged-in user with a developer profile and optionally one app."""
    user = factory.user(username)
    auth.login(username)
    open_profile(client, name=f"{username} inc", email=f"{username}@example.com")
    if app_name is None:
        return user, None, None
    appid, appkey = register_app(client, app_name)
    return user, appid, appkey

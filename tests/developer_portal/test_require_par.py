"""The per-app "require PAR" setting (issue 17, RFC 9126): the portal's form, the app page,
`gateway apps create --require-par` and the management API, each followed by what the
authorization endpoint then does."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from gateway.apps import services as app_services
from gateway.apps.models import App
from gateway.extensions import db
from tests.developer_portal.helpers import open_profile, page, post_form, register_app
from tests.developer_portal.test_manage_api import _bearer, _create_key

REDIRECT = "https://photos.example.com/callback"


def _app(appid: str) -> App:
    db.session.expire_all()
    return app_services.find_by_appid(appid)


def _plain_request_error(client, appid: str) -> str | None:
    """The error a plain (not pushed) authorization request of the app comes back with."""
    response = client.get("/oauth2/authorize?" + urlencode({
        "response_type": "code", "client_id": appid, "redirect_uri": REDIRECT, "state": "s"}))
    location = response.headers.get("Location", "")
    if not location.startswith(REDIRECT):
        return None  # the login page: the request itself was acceptable
    return parse_qs(urlsplit(location).query)["error"][0]


def test_portal_form_sets_and_clears_require_par(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, _ = register_app(client, require_par="y")
    assert _app(appid).require_par is True
    assert "Pushed authorization requests (PAR): required" in page(
        client, f"/developer/apps/{appid}")
    form = page(client, f"/developer/apps/{appid}/edit")
    box = re.search(r'<input[^>]*name="require_par"[^>]*>', form)
    assert box and "checked" in box.group(0)
    assert _plain_request_error(client, appid) == "invalid_request"

    edit = f"/developer/apps/{appid}/edit"
    response = post_form(client, edit, edit, {
        "name": "Photo Share", "description": "", "category": "social", "website": "",
        "app_type": "web", "redirect_uris": REDIRECT, "webhook_url": "",
        "deauthorize_url": "", "test_users": ""})  # the box left unchecked
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    assert _app(appid).require_par is False
    assert "Pushed authorization requests (PAR): optional" in page(
        client, f"/developer/apps/{appid}")


def test_cli_apps_create_require_par(runner, factory) -> None:
    factory.user("devon")
    result = runner.invoke(args=["apps", "create", "--developer", "devon", "--name", "PAR App",
                                 "--redirect-uri", REDIRECT, "--require-par"])
    assert result.exit_code == 0, result.output
    assert _app(json.loads(result.output)["appid"]).require_par is True
    plain = runner.invoke(args=["apps", "create", "--developer", "devon", "--name", "Plain",
                                "--redirect-uri", REDIRECT])
    assert _app(json.loads(plain.output)["appid"]).require_par is False


def test_management_api_reads_and_sets_require_par(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, _ = register_app(client)
    token = _create_key(client, "ci", "write")
    shown = client.get(f"/api/v1/manage/apps/{appid}", headers=_bearer(token)).get_json()
    assert shown["require_par"] is False
    changed = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(token),
                           json={"require_par": True})
    assert changed.status_code == 200 and changed.get_json()["require_par"] is True
    assert _app(appid).require_par is True
    wrong = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(token),
                         json={"require_par": "sometimes"})
    assert wrong.status_code == 422 and _app(appid).require_par is True

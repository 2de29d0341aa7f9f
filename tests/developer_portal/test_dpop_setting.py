"""The per-app "require DPoP" setting (RFC 9449, issue 17): the portal's real form and the
management API set it, the app page shows it, and the token endpoint obeys it at once (the
cached client facts are evicted by the edit)."""

from __future__ import annotations

from gateway.apps import services as app_services
from gateway.apps.models import App
from gateway.extensions import db
from tests.developer_portal.helpers import open_profile, page, post_form, register_app
from tests.developer_portal.test_manage_api import _bearer, _create_key


def _app(appid: str) -> App:
    db.session.expire_all()
    return app_services.find_by_appid(appid)


def test_portal_form_sets_and_clears_require_dpop(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, appkey = register_app(client, require_dpop="y")
    assert _app(appid).require_dpop is True
    assert "DPoP: required: only sender-constrained tokens" in page(
        client, f"/developer/apps/{appid}")
    edit = f"/developer/apps/{appid}/edit"
    form = page(client, edit)
    assert 'name="require_dpop"' in form and "checked" in form
    # The token endpoint refuses Bearer tokens to the app now (client_credentials, no proof).
    refused = client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                          auth=(appid, appkey))
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_dpop_proof"
    base = {"name": "Photo Share", "description": "", "category": "social", "website": "",
            "app_type": "web", "redirect_uris": "https://photos.example.com/callback",
            "webhook_url": "", "deauthorize_url": "", "test_users": ""}
    assert post_form(client, edit, edit, base).status_code == 302  # unchecked box: off
    assert _app(appid).require_dpop is False
    assert "DPoP: optional" in page(client, f"/developer/apps/{appid}")
    issued = client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                         auth=(appid, appkey))
    assert issued.status_code == 200 and issued.get_json()["token_type"] == "Bearer"


def test_management_api_sets_require_dpop(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, _ = register_app(client)
    write = _create_key(client, "writer", "write")
    response = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(write),
                            json={"require_dpop": True})
    assert response.status_code == 200 and response.get_json()["require_dpop"] is True
    assert _app(appid).require_dpop is True
    bad = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(write),
                       json={"require_dpop": "sometimes"})
    assert bad.status_code == 422 and _app(appid).require_dpop is True


def test_cli_apps_create_takes_require_dpop(runner, factory) -> None:
    import json

    factory.user("devon")
    result = runner.invoke(args=["apps", "create", "--developer", "devon", "--name", "Vault",
                                 "--redirect-uri", "https://vault.example/cb", "--require-dpop"])
    assert result.exit_code == 0, result.output
    assert _app(json.loads(result.output)["appid"]).require_dpop is True

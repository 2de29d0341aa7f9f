"""An app's token settings (issue 17): access token format (opaque or RFC 9068 JWT) and token
exchange (RFC 8693), through the portal's real form and `gateway apps create`."""

from __future__ import annotations

import json

from gateway.apps import services as app_services
from gateway.apps.models import App
from gateway.extensions import db
from tests.developer_portal.helpers import open_profile, page, post_form, register_app


def _app(appid: str) -> App:
    db.session.expire_all()
    return app_services.find_by_appid(appid)


def test_portal_form_sets_and_shows_token_settings(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, _ = register_app(client)
    app = _app(appid)
    assert app.access_token_format == "opaque" and app.token_exchange_enabled is False
    edit = f"/developer/apps/{appid}/edit"
    base = {"name": "Photo Share", "description": "", "category": "social", "website": "",
            "app_type": "web", "redirect_uris": "https://photos.example.com/callback",
            "webhook_url": "", "deauthorize_url": "", "test_users": ""}
    saved = post_form(client, edit, edit, {**base, "access_token_format": "jwt",
                                           "token_exchange_enabled": "y"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    app = _app(appid)
    assert app.access_token_format == "jwt" and app.token_exchange_enabled is True
    detail = page(client, f"/developer/apps/{appid}")
    assert "Access tokens: JWT (RFC 9068)" in detail and "Token exchange: on" in detail
    form = page(client, edit)
    assert '<option selected value="jwt">' in form or 'value="jwt" selected' in form
    refused = post_form(client, edit, edit, {**base, "access_token_format": "paseto"})
    assert refused.status_code == 400
    assert _app(appid).access_token_format == "jwt"
    off = post_form(client, edit, edit, {**base, "access_token_format": "opaque"})
    assert off.status_code == 302
    app = _app(appid)
    assert app.access_token_format == "opaque" and app.token_exchange_enabled is False


def test_cli_apps_create_takes_token_settings(runner, factory) -> None:
    factory.user("devon")
    result = runner.invoke(args=[
        "apps", "create", "--developer", "devon", "--name", "JWT App",
        "--redirect-uri", "https://a.example/cb", "--access-token-format", "jwt",
        "--token-exchange"])
    assert result.exit_code == 0, result.output
    app = _app(json.loads(result.output)["appid"])
    assert app.access_token_format == "jwt" and app.token_exchange_enabled is True
    refused = runner.invoke(args=[
        "apps", "create", "--developer", "devon", "--name", "Other",
        "--redirect-uri", "https://a.example/cb", "--access-token-format", "paseto"])
    assert refused.exit_code != 0 and "paseto" in refused.output

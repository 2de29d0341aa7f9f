"""The logout settings of an app (issue 17): post-logout redirect URIs and the back-channel
logout URL, through the portal's real form and the `gateway apps create` command."""

from __future__ import annotations

import json
import re

from gateway.apps import services as app_services
from gateway.apps.models import App
from gateway.extensions import db
from tests.developer_portal.helpers import open_profile, page, post_form, register_app


def _app(appid: str) -> App:
    db.session.expire_all()
    return app_services.find_by_appid(appid)


def test_portal_form_registers_and_edits_logout_uris(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, _ = register_app(client, post_logout_redirect_uris=(
        "https://photos.example.com/bye\nhttp://127.0.0.1:8000/bye"),
        backchannel_logout_uri="https://photos.example.com/backchannel")
    app = _app(appid)
    assert app.post_logout_redirect_uris == ["https://photos.example.com/bye",
                                             "http://127.0.0.1:8000/bye"]
    assert app.backchannel_logout_uri == "https://photos.example.com/backchannel"
    detail = page(client, f"/developer/apps/{appid}")
    listed = "Post-logout redirect URIs: https://photos.example.com/bye, http://127.0.0.1:8000/bye"
    assert listed in detail
    assert "Back-channel logout URL: https://photos.example.com/backchannel" in detail
    form = page(client, f"/developer/apps/{appid}/edit")
    assert 'name="post_logout_redirect_uris"' in form and 'name="backchannel_logout_uri"' in form
    assert "https://photos.example.com/bye\nhttp://127.0.0.1:8000/bye" in form


def test_portal_form_refuses_unsafe_logout_uris(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, _ = register_app(client)
    edit = f"/developer/apps/{appid}/edit"
    base = {"name": "Photo Share", "description": "", "category": "social", "website": "",
            "app_type": "web", "redirect_uris": "https://photos.example.com/callback",
            "webhook_url": "", "deauthorize_url": "", "test_users": ""}
    for field, value in (("post_logout_redirect_uris", "http://photos.example.com/bye"),
                         ("post_logout_redirect_uris", "https://photos.example.com/bye#x"),
                         ("backchannel_logout_uri", "http://127.0.0.1:9/internal"),
                         ("backchannel_logout_uri", "https://user:pw@photos.example.com/")):
        response = post_form(client, edit, edit, {**base, field: value})
        assert response.status_code == 400, (field, value)
        app = _app(appid)
        assert app.post_logout_redirect_uris == [] and app.backchannel_logout_uri == ""


def test_cli_apps_create_takes_logout_uris(runner, factory) -> None:
    factory.user("devon")
    result = runner.invoke(args=[
        "apps", "create", "--developer", "devon", "--name", "CLI App",
        "--redirect-uri", "https://a.example/cb",
        "--post-logout-redirect-uri", "https://a.example/bye",
        "--post-logout-redirect-uri", "https://a.example/bye2",
        "--backchannel-logout-uri", "https://a.example/backchannel"])
    assert result.exit_code == 0, result.output
    app = _app(json.loads(result.output)["appid"])
    assert app.post_logout_redirect_uris == ["https://a.example/bye", "https://a.example/bye2"]
    assert app.backchannel_logout_uri == "https://a.example/backchannel"
    refused = runner.invoke(args=[
        "apps", "create", "--developer", "devon", "--name", "Other",
        "--redirect-uri", "https://a.example/cb", "--post-logout-redirect-uri", "http://evil/"])
    assert refused.exit_code != 0 and "post_logout_redirect_uris" in refused.output
    assert db.session.scalar(db.select(App).where(App.name == "Other")) is None


def test_portal_form_sets_the_single_logout_options(client, auth, factory) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, _ = register_app(client, frontchannel_logout_uri="https://photos.example.com/fc",
                            frontchannel_logout_session_required="y",
                            backchannel_logout_session_required="y")
    app = _app(appid)
    assert app.frontchannel_logout_uri == "https://photos.example.com/fc"
    assert app.frontchannel_logout_session_required and app.backchannel_logout_session_required
    assert "Front-channel logout URL: https://photos.example.com/fc" in page(
        client, f"/developer/apps/{appid}")
    form = page(client, f"/developer/apps/{appid}/edit")
    [box] = re.findall(r'<input[^>]*name="frontchannel_logout_session_required"[^>]*>', form)
    assert "checked" in box
    edit = f"/developer/apps/{appid}/edit"
    base = {"name": "Photo Share", "description": "", "category": "social", "website": "",
            "app_type": "web", "redirect_uris": "https://photos.example.com/callback",
            "webhook_url": "", "deauthorize_url": "", "test_users": ""}
    refused = post_form(client, edit, edit, {**base,
                                             "frontchannel_logout_uri": "http://photos.example/fc"})
    assert refused.status_code == 400
    assert _app(appid).frontchannel_logout_uri == "https://photos.example.com/fc"
    assert post_form(client, edit, edit, base).status_code in (302, 303)
    app = _app(appid)
    assert app.frontchannel_logout_uri == "" and not app.frontchannel_logout_session_required


def test_cli_apps_create_takes_a_front_channel_uri(runner, factory) -> None:
    factory.user("devon")
    result = runner.invoke(args=[
        "apps", "create", "--developer", "devon", "--name", "CLI App",
        "--redirect-uri", "https://a.example/cb", "--frontchannel-logout-uri",
        "https://a.example/fc"])
    assert result.exit_code == 0, result.output
    app = _app(json.loads(result.output)["appid"])
    assert app.frontchannel_logout_uri == "https://a.example/fc"
    assert app.frontchannel_logout_session_required

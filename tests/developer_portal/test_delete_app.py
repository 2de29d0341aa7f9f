"""Deleting an app: confirmed by name, users' grants removed with callbacks, tokens dead, the
appid never reused, the row (and so every history that names it) kept; same over the API."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from gateway.apps.models import App
from gateway.audit.models import AuditEvent
from gateway.authorizations.models import Authorization
from gateway.extensions import db
from gateway.outbox.models import OutboxMessage
from tests.conftest import Auth
from tests.developer_portal.helpers import API_KEY, developer, page, post_form, register_app
from tests.oauth.conftest import WEB_REDIRECT, Browser, legacy_code

DEAUTH = "https://site.example/deauthorized"


def _live_app_with_a_user(app, client, auth, factory):
    """devon's live app, and alice holding a token of it (her own browser)."""
    _, appid, appkey = developer(client, auth, factory, "devon", "Photo Share")
    row = db.session.scalar(select(App).where(App.appid == appid))
    row.status, row.redirect_uris, row.deauthorize_url = "live", [WEB_REDIRECT], DEAUTH
    db.session.commit()
    factory.user("alice")
    alice = app.test_client()
    code = legacy_code(Browser(alice, Auth(alice)), row)
    body = alice.post("/oauth2.0/token", data={
        "grant_type": "authorization_code", "client_id": appid, "client_secret": appkey,
        "code": code, "redirect_uri": WEB_REDIRECT}).get_data(as_text=True)
    token = re.match(r"access_token=([0-9A-F]{32})", body).group(1)
    return row, appkey, token


def _me(client, token: str) -> dict:
    text = client.get(f"/oauth2.0/me?access_token={token}").get_data(as_text=True)
    return json.loads(text[text.index("{"):text.rindex("}") + 1])


def test_delete_from_the_portal(app, client, auth, factory):
    row, appkey, token = _live_app_with_a_user(app, client, auth, factory)
    appid, app_pk = row.appid, row.id
    assert _me(client, token)["client_id"] == appid
    form = f"/developer/apps/{appid}/delete"
    assert "Delete this app" in page(client, f"/developer/apps/{appid}")
    wrong = post_form(client, form, form, {"confirm_name": "Photo"})
    assert wrong.status_code == 422 and "Type the app" in wrong.get_data(as_text=True)
    assert _me(client, token)["client_id"] == appid  # nothing changed
    done = post_form(client, form, form, {"confirm_name": "Photo Share"})
    assert done.status_code == 303
    db.session.expire_all()
    row = db.session.get(App, app_pk)
    assert row.appid == appid and row.status == "deleted" and row.deleted_at is not None
    assert _me(client, token)["error"] in (100013, 100015)
    grant = db.session.scalar(select(Authorization).where(Authorization.app_id == app_pk))
    assert grant.revoked_at is not None
    [callback] = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.event_type == "user.deauthorized")).all()
    assert callback.url == DEAUTH and json.loads(callback.body)["data"]["appid"] == appid
    refused = client.post("/oauth2.0/token", data={
        "grant_type": "authorization_code", "client_id": appid, "client_secret": appkey,
        "code": "F" * 32, "redirect_uri": WEB_REDIRECT}).get_data(as_text=True)
    assert '"error":100011' in refused or '"error":100009' in refused
    assert client.get(f"/developer/apps/{appid}").status_code == 404
    assert appid not in page(client, "/developer/")
    new_appid, _ = register_app(client, "Photo Share")  # the name is free again
    assert new_appid != appid and int(new_appid) > int(appid)
    action = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "app.deleted"))
    assert action.subject_id == appid


def test_another_developer_cannot_delete(app, client, auth, factory):
    _, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    other = app.test_client()
    developer(other, Auth(other), factory, "erin")
    assert other.get(f"/developer/apps/{appid}/delete").status_code == 404
    assert db.session.scalar(select(App.status).where(App.appid == appid)) == "draft"


def test_delete_over_the_management_api(app, client, auth, factory):
    _, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    keys = {}
    for scope in ("read", "write"):
        made = post_form(client, "/developer/keys", "/developer/keys",
                         {"name": scope, "scope": scope})
        keys[scope] = {"Authorization": "Bearer " + API_KEY.search(
            page(client, made.headers["Location"])).group(1)}
    url = f"/api/v1/manage/apps/{appid}"
    assert client.delete(url, json={"confirm_name": "Photo Share"},
                         headers=keys["read"]).status_code == 403
    for body in (None, {}, {"confirm_name": 5}, {"confirm_name": "nope"}):
        refused = client.delete(url, json=body, headers=keys["write"])
        assert refused.status_code == 422, body
    done = client.delete(url, json={"confirm_name": "Photo Share"}, headers=keys["write"])
    assert done.status_code == 200
    assert done.json["status"] == "deleted" and done.json["grants_removed"] == 0
    assert client.delete(url, json={"confirm_name": "Photo Share"},
                         headers=keys["write"]).status_code == 404
    listed = client.get("/api/v1/manage/apps", headers=keys["read"]).json["data"]
    assert appid not in [a["appid"] for a in listed]

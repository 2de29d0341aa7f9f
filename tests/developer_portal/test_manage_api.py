"""The management API and personal API keys: shown once, hashed, scoped, revocable."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from gateway.apps import services as app_services
from gateway.developers.models import PersonalApiKey
from gateway.extensions import db
from gateway.security.secrets import digest
from gateway.timeutil import utcnow
from gateway.usage import recorder
from tests.developer_portal.helpers import API_KEY, developer, page, post_form


def _create_key(client, name: str, scope: str) -> str:
    response = post_form(client, "/developer/keys", "/developer/keys",
                         {"name": name, "scope": scope})
    assert response.status_code == 303  # post/redirect/get: a refresh creates no second key
    match = API_KEY.search(page(client, response.headers["Location"]))
    assert match
    return match.group(1)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_keys_are_shown_once_and_stored_as_digests(client, auth, factory) -> None:
    developer(client, auth, factory, "devon")
    token = _create_key(client, "deploy", "read")
    listing = page(client, "/developer/keys")
    assert token not in listing and token[:12] in listing
    row = db.session.scalar(select(PersonalApiKey))
    assert row.digest == digest(token) and token not in (row.digest, row.prefix)
    assert row.prefix == token[:12] and row.last_used_at is None
    assert client.get("/api/v1/manage/apps", headers=_bearer(token)).status_code == 200
    db.session.expire_all()
    used = db.session.get(PersonalApiKey, row.id).last_used_at
    assert used is not None
    client.get("/api/v1/manage/apps", headers=_bearer(token))
    db.session.expire_all()
    assert db.session.get(PersonalApiKey, row.id).last_used_at == used  # at most once a minute


def test_read_keys_cannot_write_and_revoked_keys_stop_working(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Mine")
    read = _create_key(client, "reader", "read")
    write = _create_key(client, "writer", "write")
    response = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(read),
                            json={"name": "Renamed"})
    assert response.status_code == 403 and response.get_json()["error"] == "insufficient_scope"
    assert client.post("/api/v1/manage/apps", headers=_bearer(read), json={
        "name": "X", "redirect_uris": ["https://x.example/cb"]}).status_code == 403
    assert client.get(f"/api/v1/manage/apps/{appid}",
                      headers=_bearer(read)).get_json()["name"] == "Mine"

    response = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(write),
                            json={"name": "Renamed"})
    assert response.status_code == 200 and response.get_json()["name"] == "Renamed"

    key_id = db.session.scalar(select(PersonalApiKey.id).where(PersonalApiKey.name == "writer"))
    response = post_form(client, "/developer/keys", f"/developer/keys/{key_id}/revoke", {})
    assert response.status_code == 302
    response = client.get("/api/v1/manage/apps", headers=_bearer(write))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_bad_credentials_are_401(client, auth, factory) -> None:
    for header in (None, "Bearer", "Basic abc", "Bearer zcpat_nope", "Bearer " + "x" * 500):
        headers = {"Authorization": header} if header else {}
        response = client.get("/api/v1/manage/apps", headers=headers)
        assert response.status_code == 401, header
        assert response.get_json()["error"] == "invalid_token"


def test_create_update_rotate_and_stats(client, auth, factory) -> None:
    developer(client, auth, factory, "devon")
    token = _create_key(client, "ci", "write")
    response = client.post("/api/v1/manage/apps", headers=_bearer(token), json={
        "name": "Scripted", "redirect_uris": ["https://s.example/cb"], "app_type": "web",
        "webhook_url": "https://s.example/hook"})
    assert response.status_code == 201
    body = response.get_json()
    appid, appkey = body["appid"], body["appkey"]
    assert re.fullmatch(r"[0-9A-F]{32}", appkey) and body["app"]["status"] == "draft"
    # The webhook URL given at creation is the app's first endpoint, sent every event.
    [endpoint] = client.get(f"/api/v1/manage/apps/{appid}/webhook-endpoints",
                            headers=_bearer(token)).get_json()["data"]
    assert endpoint["url"] == "https://s.example/hook" and endpoint["event_types"] == []
    # ... signed with the webhook secret shown with the appkey.
    from gateway.outbox.models import WebhookEndpoint
    assert db.session.get(WebhookEndpoint, endpoint["id"]).secret == body["webhook_secret"]
    # The first webhook secret comes with the appkey: no rotation needed to learn it.
    assert body["webhook_secret"] == app_services.find_by_appid(appid).webhook_secret
    assert "appkey" not in client.get(f"/api/v1/manage/apps/{appid}",
                                      headers=_bearer(token)).get_json()

    rotated = client.post(f"/api/v1/manage/apps/{appid}/rotate-appkey",
                          headers=_bearer(token)).get_json()
    assert rotated["appkey"] != appkey and rotated["previous_appkey_expires_at"].endswith("Z")
    stored = app_services.find_by_appid(appid)
    app_services.verify_appkey(stored, rotated["appkey"])

    recorder.record_call(stored.id, "get_user_info", 7, True)
    recorder.flush()
    today = utcnow().date().isoformat()
    stats = client.get(f"/api/v1/manage/apps/{appid}/stats?from={today}&to={today}",
                       headers=_bearer(token)).get_json()
    assert stats["days"] == [today]
    assert stats["series"]["calls"] == {"get_user_info": [1]}
    assert stats["series"]["active_users"] == {"DAU": [1], "MAU (30 days)": [1]}


def test_invalid_input_is_a_clear_4xx_that_changes_nothing(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Stable")
    token = _create_key(client, "ci", "write")
    headers = _bearer(token)
    cases = [
        ("post", "/api/v1/manage/apps", {"name": "X"}, 422),
        ("post", "/api/v1/manage/apps", {"name": "X", "redirect_uris": ["http://evil.com/cb"]},
         422),
        ("post", "/api/v1/manage/apps", ["not", "an", "object"], 400),
        ("post", "/api/v1/manage/apps", {"name": "X", "redirect_uris": ["https://x.example/cb"],
                                         "website": "javascript:alert(1)"}, 422),
        ("patch", f"/api/v1/manage/apps/{appid}", {"app_type": "robot"}, 422),
        ("patch", f"/api/v1/manage/apps/{appid}", {"unknown": 1}, 422),
        ("patch", f"/api/v1/manage/apps/{appid}", {"webhook_url": "ftp://x"}, 422),
        ("patch", f"/api/v1/manage/apps/{appid}", {"name": 5}, 422),
    ]
    for method, path, payload, status in cases:
        response = getattr(client, method)(path, headers=headers, json=payload)
        assert response.status_code == status, (path, payload, response.get_json())
        assert "error" in response.get_json()
    response = client.post("/api/v1/manage/apps", headers=headers, data="{not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert client.get(f"/api/v1/manage/apps/{appid}/stats?from=2026-02-01&to=2026-01-01",
                      headers=headers).status_code == 422
    assert client.get(f"/api/v1/manage/apps/{appid}/stats?from=junk",
                      headers=headers).status_code == 422
    assert client.get("/api/v1/manage/apps/abc", headers=headers).status_code == 404
    db.session.expire_all()
    assert [a["name"] for a in client.get("/api/v1/manage/apps",
                                          headers=headers).get_json()["data"]] == ["Stable"]


def test_a_key_of_an_account_without_developer_profile_is_403(client, auth, factory) -> None:
    from gateway.developers import keys

    user = factory.user("plain")
    _, token = keys.create_key(user, name="k", scope="read")
    db.session.commit()
    response = client.get("/api/v1/manage/apps", headers=_bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"] == "developer_profile_required"


def test_the_openapi_document_describes_the_management_api(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    operations = {op["operationId"] for path, item in doc["paths"].items()
                  if path.startswith("/api/v1/manage/") for op in item.values()
                  if isinstance(op, dict) and "operationId" in op}
    assert operations >= {"listManagedApps", "createManagedApp", "getManagedApp",
                          "updateManagedApp", "rotateManagedAppKey", "getManagedAppStats",
                          "listManagedAppAuthEvents"}
    # every route of the management API is documented, method by method
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/manage/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"].get(path, {}), (method, path)
    create = doc["components"]["schemas"]["ManageAppCreate"]
    assert set(create["required"]) == {"name", "redirect_uris"}
    assert doc["components"]["securitySchemes"]["personalApiKey"]["scheme"] == "bearer"

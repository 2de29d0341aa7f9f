"""The management API covers the portal's review actions: submit, permission requests, test
users; each audited as on the pages, errors clear and changing nothing."""

from __future__ import annotations

from sqlalchemy import select

from gateway.apps.models import App
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from tests.developer_portal.helpers import API_KEY, developer, page, post_form


def _setup(client, auth, factory):
    _, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    made = post_form(client, "/developer/keys", "/developer/keys",
                     {"name": "ci", "scope": "write"})
    return appid, {"Authorization": "Bearer " + API_KEY.search(
        page(client, made.headers["Location"])).group(1)}


def _actions() -> set[str]:
    return set(db.session.scalars(select(AuditEvent.action)))


def test_submit_for_review(client, auth, factory):
    appid, bearer = _setup(client, auth, factory)
    done = client.post(f"/api/v1/manage/apps/{appid}/submit", headers=bearer)
    assert done.status_code == 200 and done.json["status"] == "in_review"
    again = client.post(f"/api/v1/manage/apps/{appid}/submit", headers=bearer)
    assert again.status_code == 409 and again.json["error"] == "conflict"
    assert "app.submitted" in _actions()


def test_permission_requests(client, auth, factory):
    appid, bearer = _setup(client, auth, factory)
    url = f"/api/v1/manage/apps/{appid}/permissions"
    for body in (None, {"scope": 1, "reason": "x"}, {"scope": "add_share"},
                 {"scope": "nope", "reason": "why"}, {"scope": "add_share", "reason": " "}):
        refused = client.post(url, json=body, headers=bearer)
        assert refused.status_code in (400, 422), (body, refused.json)
    done = client.post(url, json={"scope": "add_share", "reason": "We share scores."},
                       headers=bearer)
    assert done.status_code == 201
    assert {"scope": "add_share", "status": "requested", "review_note": ""} in \
        done.json["permissions"]
    assert client.post(url, json={"scope": "add_share", "reason": "again"},
                       headers=bearer).status_code == 409
    assert "app.permission_requested" in _actions()


def test_test_users(client, auth, factory):
    appid, bearer = _setup(client, auth, factory)
    factory.user("tess")
    url = f"/api/v1/manage/apps/{appid}/test-users"
    assert client.get(url, headers=bearer).json["usernames"] == []
    for body in ({"usernames": "tess"}, {"usernames": [1]}, {"usernames": ["x"] * 101},
                 {"usernames": ["ghost"]}):
        assert client.put(url, json=body, headers=bearer).status_code == 422, body
    done = client.put(url, json={"usernames": ["tess", "tess"]}, headers=bearer)
    assert done.status_code == 200 and done.json["usernames"] == ["tess"]
    assert client.get(url, headers=bearer).json["usernames"] == ["tess"]
    assert "app.test_users_set" in _actions()
    row = db.session.scalar(select(App).where(App.appid == appid))
    assert row.status == "draft"

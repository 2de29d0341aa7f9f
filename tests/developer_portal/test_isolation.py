"""Nobody sees or changes another developer's apps; the console is for operators only."""

from __future__ import annotations

import pytest

from gateway.apps import services as app_services
from gateway.developers import keys
from gateway.extensions import db
from tests.conftest import csrf_from
from tests.developer_portal.helpers import developer, page

GET_PAGES = ["/developer/apps/{appid}", "/developer/apps/{appid}/edit",
             "/developer/apps/{appid}/stats", "/developer/apps/{appid}/stats/calls.svg",
             "/developer/apps/{appid}/stats/calls.csv"]
POST_PAGES = ["/developer/apps/{appid}/edit", "/developer/apps/{appid}/icon",
              "/developer/apps/{appid}/rotate-appkey",
              "/developer/apps/{appid}/rotate-webhook-secret",
              "/developer/apps/{appid}/submit", "/developer/apps/{appid}/permissions"]
ADMIN_PAGES = ["/admin/", "/admin/reviews", "/admin/apps", "/admin/audit",
               "/admin/figures/authorizations.svg", "/admin/apps/{appid}"]
ADMIN_POSTS = ["/admin/apps/{appid}/approve", "/admin/apps/{appid}/reject",
               "/admin/apps/{appid}/suspend", "/admin/apps/{appid}/reinstate"]


@pytest.fixture
def two_developers(client, auth, factory):
    """Eve is logged in; Devon's app is the target."""
    _, appid, appkey = developer(client, auth, factory, "devon", "Devon's App")
    auth.logout()
    eve, _, _ = developer(client, auth, factory, "eve", "Eve's App")
    return appid, appkey, eve


def test_every_page_of_another_developers_app_is_404(client, two_developers) -> None:
    appid, _, _ = two_developers
    before = app_services.find_by_appid(appid)
    state = (before.name, before.status, before.appkey_digest, before.webhook_secret)
    for path in GET_PAGES:
        assert client.get(path.format(appid=appid)).status_code == 404, path
    token = csrf_from(page(client, "/developer/apps/new"))
    for path in POST_PAGES:
        response = client.post(path.format(appid=appid), data={
            "csrf_token": token, "name": "Stolen", "redirect_uris": "https://evil.example/cb",
            "scope": "add_share", "reason": "mine now", "category": "other",
            "app_type": "web"})
        assert response.status_code == 404, path
    assert "Devon's App" not in page(client, "/developer/")
    db.session.expire_all()
    after = app_services.find_by_appid(appid)
    assert (after.name, after.status, after.appkey_digest, after.webhook_secret) == state


def test_every_management_route_with_another_developers_appid_is_404(
        client, two_developers) -> None:
    appid, _, eve = two_developers
    _, token = keys.create_key(eve, name="eve", scope="write")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    calls = [("get", f"/api/v1/manage/apps/{appid}"),
             ("patch", f"/api/v1/manage/apps/{appid}"),
             ("post", f"/api/v1/manage/apps/{appid}/rotate-appkey"),
             ("get", f"/api/v1/manage/apps/{appid}/stats")]
    for method, path in calls:
        response = getattr(client, method)(path, headers=headers, json={"name": "Stolen"})
        assert response.status_code == 404, path
        assert response.get_json()["error"] in ("not_found", "app_not_found")
    listed = client.get("/api/v1/manage/apps", headers=headers).get_json()["data"]
    assert [a["name"] for a in listed] == ["Eve's App"]
    db.session.expire_all()
    assert app_services.find_by_appid(appid).name == "Devon's App"


def test_the_console_is_403_for_non_operators(client, two_developers) -> None:
    appid, _, _ = two_developers
    for path in ADMIN_PAGES:
        assert client.get(path.format(appid=appid)).status_code == 403, path
    token = csrf_from(page(client, "/developer/"))
    for path in ADMIN_POSTS:
        response = client.post(path.format(appid=appid), data={"csrf_token": token,
                                                                 "reason": "x"})
        assert response.status_code == 403, path
    assert client.post("/admin/permissions/1/grant",
                       data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert app_services.find_by_appid(appid).status == "draft"


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    for path in ("/developer/", "/developer/keys", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_a_user_without_profile_cannot_reach_app_pages(client, auth, factory) -> None:
    factory.user("newbie")
    auth.login("newbie")
    response = client.get("/developer/apps/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/developer/")

"""Portal and console pages: validation, icons, permissions, stats ranges, figures, audit log."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from gateway.apps import services as app_services
from gateway.audit import services as audit
from gateway.developers.models import AppIcon, DeveloperProfile
from gateway.extensions import db
from tests.conftest import csrf_from
from tests.developer_portal.helpers import developer, page, post_form, register_app


def _png(size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_profile_can_be_edited(client, auth, factory) -> None:
    user, _, _ = developer(client, auth, factory, "devon")
    response = post_form(client, "/developer/profile", "/developer/profile", {
        "name": "Devon Games", "contact_email": "games@example.com", "accept_terms": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(DeveloperProfile, user.id).name == "Devon Games"
    assert "Devon Games" in page(client, "/developer/")


def test_registration_form_rejects_bad_redirect_uris_and_creates_nothing(
        client, auth, factory) -> None:
    developer(client, auth, factory, "devon")
    response = post_form(client, "/developer/apps/new", "/developer/apps/new", {
        "name": "Bad", "category": "other", "app_type": "web",
        "redirect_uris": "http://evil.example/cb", "test_users": "nobody-here"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use an https URL" in html
    assert "You have no apps yet" in page(client, "/developer/")
    response = post_form(client, "/developer/apps/new", "/developer/apps/new", {
        "name": "Bad", "category": "other", "app_type": "web",
        "redirect_uris": "https://ok.example/cb", "test_users": "nobody-here"})
    assert response.status_code == 400 and "No such user: nobody-here" in response.get_data(
        as_text=True)
    assert "You have no apps yet" in page(client, "/developer/")


def test_icon_upload_stores_small_pngs_and_serves_them(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Iconic")
    token = csrf_from(page(client, f"/developer/apps/{appid}"))
    response = client.post(f"/developer/apps/{appid}/icon", data={
        "csrf_token": token, "icon": (io.BytesIO(_png()), "icon.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    sizes = sorted(db.session.scalars(select(AppIcon.size)))
    assert sizes == [16, 32, 64, 128]
    served = client.get(f"/developer/icons/{appid}/64.png")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert Image.open(io.BytesIO(served.data)).size == (64, 64)
    assert client.get(f"/developer/icons/{appid}/65.png").status_code == 404
    bad = client.post(f"/developer/apps/{appid}/icon", data={
        "csrf_token": token, "icon": (io.BytesIO(b"not an image"), "x.png")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "not an image we can read" in bad.get_data(as_text=True)
    assert sorted(db.session.scalars(select(AppIcon.size))) == [16, 32, 64, 128]


def test_checklist_follows_the_app(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Todo")
    html = page(client, f"/developer/apps/{appid}")
    assert '<li class="done">Register a redirect URI</li>' in html
    assert '<li class="">Upload an icon</li>' in html
    assert '<li class="">Submit it for review</li>' in html


def test_permission_requests_need_a_reason_and_unionid_can_be_granted(
        client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Union")
    response = post_form(client, f"/developer/apps/{appid}",
                         f"/developer/apps/{appid}/permissions", {"scope": "unionid",
                                                                   "reason": ""})
    assert response.status_code == 400
    response = post_form(client, f"/developer/apps/{appid}",
                         f"/developer/apps/{appid}/permissions",
                         {"scope": "get_user_info", "reason": "x"})
    assert response.status_code == 400  # granted by default: not in the choices
    post_form(client, f"/developer/apps/{appid}", f"/developer/apps/{appid}/permissions",
              {"scope": "unionid", "reason": "One account across our apps."})
    again = post_form(client, f"/developer/apps/{appid}", f"/developer/apps/{appid}/permissions",
                      {"scope": "unionid", "reason": "Again."})
    assert again.status_code == 409
    auth.logout()
    factory.user("operator", is_admin=True)
    auth.login("operator")
    db.session.expire_all()
    app = app_services.find_by_appid(appid)
    permission = next(p for p in app.permissions if p.scope == "unionid")
    refused = post_form(client, f"/admin/apps/{appid}",
                        f"/admin/permissions/{permission.id}/refuse", {"reason": ""})
    assert refused.status_code == 400
    post_form(client, f"/admin/apps/{appid}", f"/admin/permissions/{permission.id}/grant", {})
    db.session.expire_all()
    app = app_services.find_by_appid(appid)
    assert app.unionid_enabled and "unionid" in app.granted_scopes()
    twice = post_form(client, f"/admin/apps/{appid}",
                      f"/admin/permissions/{permission.id}/grant", {})
    assert twice.status_code == 409


def test_decisions_in_the_wrong_state_are_409(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Draft")
    auth.logout()
    factory.user("operator", is_admin=True)
    auth.login("operator")
    for decision, data in (("approve", {}), ("reinstate", {}), ("suspend", {"reason": "x"})):
        response = post_form(client, f"/admin/apps/{appid}",
                             f"/admin/apps/{appid}/{decision}", data)
        assert response.status_code == 409, decision
    assert post_form(client, f"/admin/apps/{appid}", f"/admin/apps/{appid}/explode",
                     {}).status_code == 404
    db.session.expire_all()
    assert app_services.find_by_appid(appid).status == "draft"


def test_stats_range_is_validated(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Stats")
    html = page(client, f"/developer/apps/{appid}/stats")
    assert html.count('<img class="chart"') == 5 and "Nothing yet in this range" in html
    bad = client.get(f"/developer/apps/{appid}/stats?from=2026-03-01&to=2026-01-01")
    assert bad.status_code == 400 and "before the start date" in bad.get_data(as_text=True)
    assert client.get(f"/developer/apps/{appid}/stats?from=2020-01-01&to=2026-01-01"
                      ).status_code == 400
    assert client.get(f"/developer/apps/{appid}/stats?from=nope").status_code == 400
    assert client.get(f"/developer/apps/{appid}/stats/calls.svg?from=nope").status_code == 422
    assert client.get(f"/developer/apps/{appid}/stats/other.svg").status_code == 404
    chart = client.get(f"/developer/apps/{appid}/stats/active_users.svg")
    assert chart.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert b'class="pygal-chart chart"' in chart.data


def test_console_shows_figures_and_a_filtered_paginated_audit_log(client, auth, factory) -> None:
    developer(client, auth, factory, "devon", "Figures")
    auth.logout()
    operator = factory.user("operator", is_admin=True)
    for i in range(60):
        audit.record("test.event", actor_id=operator.id, subject_type="thing", subject_id=i)
    db.session.commit()
    auth.login("operator")
    overview = page(client, "/admin/")
    assert "Developers" in overview and '<img class="chart"' in overview
    assert client.get("/admin/figures/platform_calls.svg").mimetype == "image/svg+xml"
    first = page(client, "/admin/audit?action=test.event&actor=operator")
    assert "60 events" in first and "Page 1 of 2" in first and "thing 59" in first
    second = page(client, "/admin/audit?action=test.event&actor=operator&page=2")
    assert "thing 9" in second and "thing 59" not in second
    assert "0 events" in page(client, "/admin/audit?actor=devon&action=test.event")
    old = "/admin/audit?action=test.event&start=2000-01-01&end=2000-01-02"
    assert "0 events" in page(client, old)
    assert client.get("/admin/audit?start=junk").status_code == 400
    assert "Figures" in page(client, "/admin/apps?status=draft")


def test_two_apps_and_the_nav_links(client, auth, factory) -> None:
    developer(client, auth, factory, "devon", "One")
    register_app(client, "Two")
    html = page(client, "/developer/")
    assert "One" in html and "Two" in html
    assert 'href="/developer/"' in html and 'href="/admin/"' not in html


def test_a_start_in_the_future_is_refused(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Future")
    bad = client.get(f"/developer/apps/{appid}/stats?from=2999-01-01")
    assert bad.status_code == 400 and "before the start date" in bad.get_data(as_text=True)
    assert client.get(f"/developer/apps/{appid}/stats/calls.csv?from=2999-01-01"
                      ).status_code == 422

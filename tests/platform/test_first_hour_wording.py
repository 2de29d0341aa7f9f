"""Plain wording where the first hour meets it: the platform's own 404 page, durations and
counts as people write them, decisions in words, and an audit log that names apps by appid and
lists only the fields that changed."""

from __future__ import annotations

from gateway.apps import services as apps
from gateway.audit.models import AuditEvent
from gateway.authorizations.services import record_consent
from gateway.developers import services as developers
from gateway.extensions import db
from tests.developer_portal.helpers import developer, page, post_form


def test_unknown_pages_get_the_platforms_404(client) -> None:
    response = client.get("/no/such/page", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "Page not found" in html
    assert "There is no page at this address" in html
    assert "If you entered the URL manually" not in html  # Werkzeug's stock text
    assert html.count("<h1") == 1
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_durations_counts_and_decisions_in_plain_words(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    detail = page(client, f"/developer/apps/{appid}")
    assert "keeps working for 24 hours." in detail and "24.0" not in detail
    post_form(client, f"/developer/apps/{appid}", f"/developer/apps/{appid}/submit", {})
    factory.user("root", is_admin=True)
    auth.login("root")
    console = page(client, "/admin/")
    assert "1 app and 0 permission requests wait for a decision." in console
    assert "app(s)" not in console
    done = post_form(client, f"/admin/apps/{appid}", f"/admin/apps/{appid}/approve", {},
                     follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Approved: Photo Share is live." in html and "approve done" not in html


def test_audit_log_names_apps_by_appid_and_only_changed_fields(client, auth, factory) -> None:
    devon, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    app = apps.find_by_appid(appid)
    developers.update_app(app, devon, {"name": "Photo Share", "description": "Photos.",
                                       "website": "", "category": app.category})
    alice = factory.user("alice")
    record_consent(alice.id, app.id, ["get_user_info"])
    db.session.commit()
    updated = db.session.query(AuditEvent).filter_by(action="app.updated").one()
    assert updated.details["fields"] == ["description"]
    consent = db.session.query(AuditEvent).filter_by(action="consent.given").one()
    assert consent.subject_id == appid
    # An event recorded the old way (the row id) is shown with the appid too.
    db.session.add(AuditEvent(action="consent.revoked", actor_id=alice.id, subject_type="app",
                              subject_id=str(app.id), details={}))
    db.session.commit()
    factory.user("root", is_admin=True)
    auth.login("root")
    log = page(client, "/admin/audit?action=consent.revoked")
    assert f"<code>{appid}</code>" in log and f"app {app.id}<" not in log
    assert "fields: description" in page(client, "/admin/audit?action=app.updated")

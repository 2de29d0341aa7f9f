"""The auth event log as developers read it: portal page with filters, CSV, management API,
retention; only the app's own developer sees it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from gateway.authlog import recorder
from gateway.authlog.models import AuthEvent
from gateway.extensions import db
from gateway.timeutil import utcnow
from tests.conftest import Auth
from tests.developer_portal.helpers import API_KEY, developer, page, post_form


def _fail_token(client, appid: str, ua: str = "curl/8") -> None:
    response = client.post("/oauth2.0/token", headers={"User-Agent": ua}, data={
        "grant_type": "authorization_code", "client_id": appid, "client_secret": "0" * 32,
        "code": "F" * 32})
    assert response.status_code == 200


def _setup(client, auth, factory):
    _, appid, appkey = developer(client, auth, factory, "devon", "Devon App")
    _fail_token(client, appid)
    _fail_token(client, appid, ua="=HYPERLINK(\"https://evil.example\")")
    client.post("/oauth2.0/token", data={"grant_type": "nope", "client_id": appid})
    recorder.flush()
    return appid, appkey


def test_portal_lists_and_filters(client, auth, factory):
    appid, _ = _setup(client, auth, factory)
    page = client.get(f"/developer/apps/{appid}/auth-events")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<h1") == 1
    assert html.count('class="event outcome-failure"') == 3
    assert "invalid_client_secret" in html and "unsupported_grant_type" in html
    assert '<label for="f-openid">' in html and 'id="f-openid"' in html
    only = client.get(f"/developer/apps/{appid}/auth-events?reason=unsupported_grant_type")
    assert only.get_data(as_text=True).count('class="event outcome-failure"') == 1
    none = client.get(f"/developer/apps/{appid}/auth-events?outcome=success")
    assert 'class="event' not in none.get_data(as_text=True)
    junk = client.get(f"/developer/apps/{appid}/auth-events?days=abc&kind=%00&before=-1")
    assert junk.status_code == 200
    detail = client.get(f"/developer/apps/{appid}").get_data(as_text=True)
    assert f"/developer/apps/{appid}/auth-events" in detail


def test_csv_export_is_filtered_and_safe(client, auth, factory):
    appid, _ = _setup(client, auth, factory)
    response = client.get(f"/developer/apps/{appid}/auth-events.csv?reason=invalid_client_secret")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["reason"] for r in rows] == ["invalid_client_secret"] * 2
    agents = {r["user_agent"] for r in rows}
    assert agents == {"curl/8", "'=HYPERLINK(\"https://evil.example\")"}  # no formula
    assert rows[0]["ret"] == "100009" and rows[0]["kind"] == "token"


def test_another_developer_sees_nothing(app, client, auth, factory):
    appid, _ = _setup(client, auth, factory)
    other = app.test_client()
    other_auth = Auth(other)
    developer(other, other_auth, factory, "mallory", "Mallory App")
    for path in ("auth-events", "auth-events.csv"):
        assert other.get(f"/developer/apps/{appid}/{path}").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/developer/apps/{appid}/auth-events").status_code in (302, 401)


def test_management_api(app, client, auth, factory):
    appid, _ = _setup(client, auth, factory)
    made = post_form(client, "/developer/keys", "/developer/keys", {"name": "ci", "scope": "read"})
    key = API_KEY.search(page(client, made.headers["Location"])).group(1)
    bearer = {"Authorization": f"Bearer {key}"}
    body = client.get(f"/api/v1/manage/apps/{appid}/auth-events?limit=2", headers=bearer).json
    assert [e["reason"] for e in body["data"]] == ["unsupported_grant_type",
                                                   "invalid_client_secret"]
    assert body["next_before"] == body["data"][-1]["id"]
    rest = client.get(f"/api/v1/manage/apps/{appid}/auth-events?before={body['next_before']}",
                      headers=bearer).json
    assert len(rest["data"]) == 1 and rest["next_before"] is None
    assert set(rest["data"][0]) >= {"occurred_at", "kind", "outcome", "reason", "openid",
                                    "client_ip", "user_agent"}
    for bad in ("0", "501", "x"):
        refused = client.get(f"/api/v1/manage/apps/{appid}/auth-events?limit={bad}",
                             headers=bearer)
        assert refused.status_code == 422 and refused.json["error"] == "validation_error"
    other = app.test_client()
    _, other_appid, _ = developer(other, Auth(other), factory, "mallory", "Mallory App")
    assert client.get(f"/api/v1/manage/apps/{other_appid}/auth-events",
                      headers=bearer).status_code == 404
    doc = client.get("/api/v1/openapi.json").json
    assert "get" in doc["paths"]["/api/v1/manage/apps/{appid}/auth-events"]


def test_retention_hides_and_purges_old_events(app, client, auth, factory, runner):
    appid, _ = _setup(client, auth, factory)
    app.config["ZC_AUTHLOG_RETENTION_DAYS"] = 7
    oldest = db.session.scalars(select(AuthEvent).order_by(AuthEvent.id)).first()
    oldest.occurred_at = utcnow() - timedelta(days=8)
    db.session.commit()
    html = client.get(f"/developer/apps/{appid}/auth-events").get_data(as_text=True)
    assert html.count('class="event outcome-failure"') == 2
    result = runner.invoke(args=["authlog", "purge"])
    assert result.exit_code == 0 and '"deleted": 1' in result.output
    db.session.expire_all()
    assert len(db.session.scalars(select(AuthEvent)).all()) == 2

"""The whole life of an app, driven through the real pages, forms and CSRF tokens."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

from gateway.apps import services as app_services
from gateway.apps.models import App
from gateway.audit.models import AuditEvent
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from gateway.oauth import tokens
from gateway.oauth.models import OAuthToken
from gateway.security.secrets import matches
from gateway.timeutil import utcnow
from gateway.usage import recorder
from tests.developer_portal.helpers import open_profile, page, post_form, register_app


def _app(appid: str) -> App:
    db.session.expire_all()
    return app_services.find_by_appid(appid)


def _login_as(client: FlaskClient, auth, username: str) -> None:
    auth.logout()
    auth.login(username)


def test_app_lifecycle_from_registration_to_suspension(client, auth, factory, app) -> None:
    factory.user("devon")
    factory.user("tester")
    operator = factory.user("operator", is_admin=True)
    auth.login("devon")

    # No profile yet: the portal asks for one, and the terms must be accepted.
    assert "Become a ZoneConnect developer" in page(client, "/developer/")
    refused = post_form(client, "/developer/", "/developer/", {
        "name": "Devon", "contact_email": "not-an-email"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Accept the terms" in text and "email address" in text
    open_profile(client)
    assert "You have no apps yet" in page(client, "/developer/")

    appid, appkey = register_app(client, "Photo Share", test_users="tester")
    stored = _app(appid)
    assert stored.status == "draft" and stored.developer_id != operator.id
    assert matches(appkey, stored.appkey_digest) and appkey not in stored.appkey_digest
    detail = page(client, f"/developer/apps/{appid}")
    assert appkey not in detail  # shown once, never again
    assert f"client_id={appid}" in detail and "/oauth2.0/authorize?" in detail
    assert "pip install &#39;./sdk[flask]&#39;" in detail  # the SDK is not on PyPI
    assert '<li class="">Approved by an operator</li>' in detail

    # Apply for add_share with a reason, then submit.
    response = post_form(client, f"/developer/apps/{appid}", f"/developer/apps/{appid}/permissions",
                         {"scope": "add_share", "reason": "Users share their photos."})
    assert response.status_code == 302
    response = post_form(client, f"/developer/apps/{appid}", f"/developer/apps/{appid}/submit", {})
    assert response.status_code == 302 and _app(appid).status == "in_review"

    # The operator rejects it with a reason; a reject without one is refused.
    _login_as(client, auth, "operator")
    queue = page(client, "/admin/reviews")
    assert "Photo Share" in queue and "add_share" in queue
    no_reason = post_form(client, f"/admin/apps/{appid}", f"/admin/apps/{appid}/reject",
                          {"reason": ""})
    assert no_reason.status_code == 400 and _app(appid).status == "in_review"
    response = post_form(client, f"/admin/apps/{appid}", f"/admin/apps/{appid}/reject",
                         {"reason": "Add a description and your website."})
    assert response.status_code == 302 and _app(appid).status == "rejected"

    # The developer sees the reason, fixes the app and resubmits.
    _login_as(client, auth, "devon")
    assert "Add a description and your website." in page(client, f"/developer/apps/{appid}")
    response = post_form(client, f"/developer/apps/{appid}/edit", f"/developer/apps/{appid}/edit", {
        "name": "Photo Share", "description": "Share photos with friends.", "category": "social",
        "website": "https://photos.example.com", "app_type": "web",
        "redirect_uris": "https://photos.example.com/callback\nhttps://photos.example.com/cb2",
        "webhook_url": "", "deauthorize_url": "", "test_users": "tester"})
    assert response.status_code == 302
    assert _app(appid).redirect_uris[1] == "https://photos.example.com/cb2"
    post_form(client, f"/developer/apps/{appid}", f"/developer/apps/{appid}/submit", {})
    assert _app(appid).status == "in_review"

    # The operator grants add_share and approves: the app is live.
    _login_as(client, auth, "operator")
    permission = next(p for p in _app(appid).permissions if p.scope == "add_share")
    response = post_form(client, f"/admin/apps/{appid}",
                         f"/admin/permissions/{permission.id}/grant", {})
    assert response.status_code == 302
    response = post_form(client, f"/admin/apps/{appid}", f"/admin/apps/{appid}/approve", {})
    assert response.status_code == 302
    live = _app(appid)
    assert live.status == "live" and "add_share" in live.granted_scopes()
    actions = {e.action for e in db.session.scalars(db.select(AuditEvent))}
    assert {"app.rejected", "app.approved", "app.permission_granted", "app.submitted"} <= actions

    # Usage recorded through the recorder shows in the stats page and the CSV.
    user = factory.user("carol")
    record_consent(user.id, live.id, ["get_user_info"])
    db.session.commit()
    for ok in (True, True, False):
        recorder.record_call(live.id, "get_user_info", user.id, ok)
    recorder.record_share(live.id, "photos.example.com", "api")
    recorder.flush()
    _login_as(client, auth, "devon")
    today = utcnow().date().isoformat()
    stats = page(client, f"/developer/apps/{appid}/stats?from={today}&to={today}")
    assert f"/developer/apps/{appid}/stats/calls.svg" in stats
    assert "get_user_info" in stats
    chart = client.get(f"/developer/apps/{appid}/stats/calls.svg?from={today}&to={today}")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert chart.data.startswith(b"<svg") and b"<script" not in chart.data
    rows = list(csv.reader(io.StringIO(client.get(
        f"/developer/apps/{appid}/stats/calls.csv?from={today}&to={today}").get_data(as_text=True))))
    assert rows == [["day", "get_user_info"], [today, "2"]]
    errors = client.get(f"/developer/apps/{appid}/stats/errors.csv?from={today}&to={today}")
    assert errors.get_data(as_text=True).splitlines()[1] == f"{today},1"
    users = client.get(f"/developer/apps/{appid}/stats/active_users.csv?from={today}&to={today}")
    assert users.get_data(as_text=True).splitlines()[1] == f"{today},1,1"
    auths = client.get(f"/developer/apps/{appid}/stats/authorizations.csv?from={today}&to={today}")
    assert auths.get_data(as_text=True).splitlines()[1] == f"{today},1"
    shares = client.get(f"/developer/apps/{appid}/stats/shares.csv?from={today}&to={today}")
    assert shares.get_data(as_text=True).splitlines() == ["day,via api,via button",
                                                          f"{today},1,0"]

    # The operator suspends it (a reason is required): its tokens are revoked.
    issued = tokens.issue_tokens(live, user.id, ["get_user_info"], grant_type="authorization_code")
    db.session.commit()
    token_id = issued.row.id
    _login_as(client, auth, "operator")
    response = post_form(client, f"/admin/apps/{appid}", f"/admin/apps/{appid}/suspend",
                         {"reason": "Spam reports."})
    assert response.status_code == 302 and _app(appid).status == "suspended"
    assert db.session.get(OAuthToken, token_id).revoked_at is not None
    audit = page(client, "/admin/audit?action=app.suspended")
    assert "app.suspended" in audit and "Spam reports." in audit
    response = post_form(client, f"/admin/apps/{appid}", f"/admin/apps/{appid}/reinstate", {})
    assert response.status_code == 302 and _app(appid).status == "live"


def test_appkey_rotation_keeps_the_old_key_for_the_overlap(client, auth, factory, app) -> None:
    factory.user("devon")
    auth.login("devon")
    open_profile(client)
    appid, old_key = register_app(client)
    response = post_form(client, f"/developer/apps/{appid}",
                         f"/developer/apps/{appid}/rotate-appkey", {}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "keeps working until" in html
    new_key = html.split('<code id="cred-appkey">')[1][:32]
    assert new_key != old_key
    stored = _app(appid)
    app_services.verify_appkey(stored, new_key)
    app_services.verify_appkey(stored, old_key)  # still inside the 24 h overlap
    assert (stored.previous_appkey_expires_at - utcnow()).total_seconds() > 23 * 3600

    old_secret = stored.webhook_secret
    response = post_form(client, f"/developer/apps/{appid}",
                         f"/developer/apps/{appid}/rotate-webhook-secret", {},
                         follow_redirects=True)
    new_secret = _app(appid).webhook_secret
    assert new_secret != old_secret and new_secret in response.get_data(as_text=True)
    assert new_secret not in page(client, f"/developer/apps/{appid}")

"""Webhook self-service: test events (portal and API, limited per app), deliveries with resend
and secret rotation over the management API, and the OpenAPI `webhooks` catalogue that real
event bodies match."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from gateway.apps.models import App
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.outbox.catalogue import EVENTS
from gateway.outbox.models import OutboxMessage
from tests.conftest import Auth
from tests.developer_portal.helpers import API_KEY, developer, page, post_form
from tests.money_helpers import add_endpoint

HOOK = "https://hooks.devon.example/zc"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_WEBHOOK_TEST_LIMIT": "2 per minute"}


def _setup(client, auth, factory, name: str = "devon", url: str = HOOK):
    _, appid, _ = developer(client, auth, factory, name, f"{name} app")
    row = db.session.scalar(select(App).where(App.appid == appid))
    if url:
        add_endpoint(row, url)
    db.session.commit()
    made = post_form(client, "/developer/keys", "/developer/keys",
                     {"name": "ci", "scope": "write"})
    key = API_KEY.search(page(client, made.headers["Location"])).group(1)
    return appid, {"Authorization": f"Bearer {key}"}


def _messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_test_events_from_the_portal_and_the_api_share_one_limit(client, auth, factory):
    appid, bearer = _setup(client, auth, factory)
    sent = post_form(client, f"/developer/apps/{appid}/deliveries",
                     f"/developer/apps/{appid}/deliveries/test", {})
    assert sent.status_code == 303
    listing = page(client, f"/developer/apps/{appid}/deliveries")
    assert "webhook.test" in listing and "Send test event" in listing
    answer = client.post(f"/api/v1/manage/apps/{appid}/webhooks/test", headers=bearer)
    assert answer.status_code == 202
    assert answer.json["type"] == "webhook.test" and answer.json["url"] == HOOK
    refused = client.post(f"/api/v1/manage/apps/{appid}/webhooks/test", headers=bearer)
    assert refused.status_code == 429 and refused.json["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    again = post_form(client, f"/developer/apps/{appid}/deliveries",
                      f"/developer/apps/{appid}/deliveries/test", {}, follow_redirects=True)
    assert "Too many test events" in again.get_data(as_text=True)
    assert [m.event_type for m in _messages()] == ["webhook.test", "webhook.test"]
    body = json.loads(_messages()[0].body)
    jsonschema.validate(body, _doc(client)["webhooks"]["webhook.test"]["post"]["requestBody"]
                        ["content"]["application/json"]["schema"])
    audits = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "webhook.test_sent")).all()
    assert len(audits) == 2


def test_the_limit_is_per_app(app, client, auth, factory):
    appid, bearer = _setup(client, auth, factory)
    for _ in range(2):
        assert client.post(f"/api/v1/manage/apps/{appid}/webhooks/test",
                           headers=bearer).status_code == 202
    other = app.test_client()
    other_appid, other_bearer = _setup(other, Auth(other), factory, "erin")
    assert other.post(f"/api/v1/manage/apps/{other_appid}/webhooks/test",
                      headers=other_bearer).status_code == 202
    assert other.post(f"/api/v1/manage/apps/{appid}/webhooks/test",
                      headers=other_bearer).status_code == 404


def test_no_webhook_url_is_a_clear_400(client, auth, factory):
    appid, bearer = _setup(client, auth, factory, url="")
    answer = client.post(f"/api/v1/manage/apps/{appid}/webhooks/test", headers=bearer)
    assert answer.status_code == 400 and answer.json["error"] == "no_webhook_url"
    assert _messages() == []


def test_deliveries_resend_and_secret_rotation_over_the_api(client, auth, factory):
    appid, bearer = _setup(client, auth, factory)
    client.post(f"/api/v1/manage/apps/{appid}/webhooks/test", headers=bearer)
    listed = client.get(f"/api/v1/manage/apps/{appid}/deliveries", headers=bearer).json
    [event] = listed["data"]
    assert event["status"] == "pending" and event["history"] == []
    message = db.session.get(OutboxMessage, event["id"])
    message.status, message.attempts = "dead", 8
    db.session.commit()
    resent = client.post(f"/api/v1/manage/apps/{appid}/deliveries/{event['id']}/resend",
                         headers=bearer)
    assert resent.status_code == 202 and resent.json["status"] == "pending"
    assert client.post(f"/api/v1/manage/apps/{appid}/deliveries/999999/resend",
                       headers=bearer).status_code == 404
    assert client.get(f"/api/v1/manage/apps/{appid}/deliveries?limit=0",
                      headers=bearer).status_code == 422
    before = db.session.scalar(select(App.webhook_secret).where(App.appid == appid))
    rotated = client.post(f"/api/v1/manage/apps/{appid}/rotate-webhook-secret", headers=bearer)
    assert rotated.status_code == 200
    db.session.expire_all()
    row = db.session.scalar(select(App).where(App.appid == appid))
    assert rotated.json["webhook_secret"] == row.webhook_secret != before
    assert row.previous_webhook_secret == before
    assert rotated.json["standard_webhooks_secret"].startswith("whsec_")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"webhook.resent", "app.webhook_secret_rotated"} <= actions


def _doc(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()


def test_the_openapi_document_has_the_event_catalogue(client):
    doc = _doc(client)
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert set(doc["webhooks"]) == set(EVENTS) >= {
        "order.paid", "order.refunded", "user.deauthorized", "app.review_decided",
        "permission.decided", "webhook.test"}
    paid = doc["webhooks"]["order.paid"]["post"]
    headers = {p["name"] for p in paid["parameters"]}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers


def test_operator_decisions_send_events_matching_the_catalogue(client, auth, factory):
    from gateway.developers import review

    appid, _ = _setup(client, auth, factory)
    operator = factory.user("opal", is_admin=True)
    row = db.session.scalar(select(App).where(App.appid == appid))
    row.status = "in_review"
    review.reject_app(row, operator, "Add a privacy policy.")
    db.session.commit()
    doc = _doc(client)
    [message] = _messages()
    body = json.loads(message.body)
    assert body["data"] == {"appid": appid, "decision": "rejected",
                            "note": "Add a privacy policy."}
    schema = doc["webhooks"]["app.review_decided"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    jsonschema.validate(body, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "type": "order.paid"}, schema)

"""Webhook endpoints in the portal and the management API: add, subscribe, disable, enable,
rotate, remove; bad URLs and event types refused with a clear 4xx that changes nothing; nobody
else's endpoints reachable; the events API lists what was sent."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.outbox.models import OutboxMessage, WebhookEndpoint
from gateway.outbox.services import enqueue_webhook
from tests.developer_portal.helpers import developer, page, post_form
from tests.developer_portal.test_manage_api import _bearer, _create_key

SECRET = re.compile(r'id="endpoint-secret">([0-9a-f]{48})<')


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_WEBHOOK_TEST_LIMIT": "3 per minute"}


def _pages(appid: str) -> tuple[str, str]:
    return f"/developer/apps/{appid}/webhooks", f"/developer/apps/{appid}/webhooks/new"


def test_the_portal_adds_an_endpoint_with_subscriptions_and_shows_its_secret_once(
        client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Hooked")
    listing, new = _pages(appid)
    response = post_form(client, new, new, {
        "url": "https://Bücher.example/hook", "description": "orders",
        "event_types": ["order.paid", "order.refunded"]})
    assert response.status_code == 303 and response.headers["Location"].endswith(listing)
    endpoint = db.session.query(WebhookEndpoint).one()
    assert endpoint.url == "https://xn--bcher-kva.example/hook"  # IDN stored as punycode
    assert endpoint.event_types == ["order.paid", "order.refunded"] and endpoint.enabled
    html = page(client, listing)
    assert SECRET.search(html).group(1) == endpoint.secret
    assert "whsec_" in html and "<code>order.paid</code>" in html
    assert SECRET.search(page(client, listing)) is None  # shown once

    edit = f"{listing}/{endpoint.id}/edit"
    assert post_form(client, edit, edit, {"url": endpoint.url, "description": "all"}
                     ).status_code == 303
    db.session.expire_all()
    assert endpoint.event_types == [] and endpoint.description == "all"

    for action, enabled in (("disable", False), ("enable", True)):
        post_form(client, listing, f"{listing}/{endpoint.id}/{action}", {})
        db.session.expire_all()
        assert endpoint.enabled is enabled
    old = endpoint.secret
    post_form(client, listing, f"{listing}/{endpoint.id}/rotate", {})
    db.session.expire_all()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert SECRET.search(page(client, listing)).group(1) == endpoint.secret
    post_form(client, listing, f"{listing}/{endpoint.id}/remove", {})
    assert db.session.query(WebhookEndpoint).count() == 0
    actions = {a for (a,) in db.session.query(AuditEvent.action)}
    assert {"webhook.endpoint_created", "webhook.endpoint_updated", "webhook.endpoint_disabled",
            "webhook.endpoint_enabled", "webhook.endpoint_secret_rotated",
            "webhook.endpoint_removed"} <= actions


@pytest.mark.parametrize("fields", [
    {"url": "ftp://hooks.example/x"}, {"url": "https://hooks.example:99999/x"},
    {"url": "https://hooks.example:0/x"}, {"url": "https://" + "a" * 600 + ".example/"},
    {"url": "https://user:pw@hooks.example/x"}, {"url": "https://exa mple.com/"},
    {"url": "http://[::1]:8080/"}, {"url": "https://xn--/"},
    {"url": "https://hooks.example/x", "event_types": ["order.stolen"]},
    {"url": "https://hooks.example/x", "description": "d" * 201}])
def test_the_portal_refuses_bad_endpoints_and_stores_nothing(client, auth, factory,
                                                             fields: dict[str, Any]) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Hooked")
    _, new = _pages(appid)
    response = post_form(client, new, new, fields)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.query(WebhookEndpoint).count() == 0


def test_another_developers_endpoints_do_not_exist_for_you(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Hooked")
    _, new = _pages(appid)
    post_form(client, new, new, {"url": "https://hooks.example/x"})
    endpoint = db.session.query(WebhookEndpoint).one()
    auth.logout()
    developer(client, auth, factory, "mallory", "Mal")
    token = _create_key(client, "m", "write")
    listing = f"/developer/apps/{appid}/webhooks"
    assert client.get(listing).status_code == 404
    assert client.get(f"{listing}/{endpoint.id}/edit").status_code == 404
    mine = f"/developer/apps/{db.session.query(WebhookEndpoint).one().app_id}"
    assert mine  # mallory's own page works with her own app only
    api = f"/api/v1/manage/apps/{appid}/webhook-endpoints"
    for method, path in (("get", api), ("post", api), ("get", f"{api}/{endpoint.id}"),
                         ("patch", f"{api}/{endpoint.id}"), ("delete", f"{api}/{endpoint.id}"),
                         ("post", f"{api}/{endpoint.id}/rotate-secret"),
                         ("get", f"/api/v1/manage/apps/{appid}/events")):
        answer = getattr(client, method)(path, headers=_bearer(token),
                                         json={"url": "https://mallory.example/x"})
        assert answer.status_code == 404, (method, path)
    db.session.expire_all()
    assert endpoint.url == "https://hooks.example/x" and endpoint.enabled


def test_the_management_api_manages_endpoints_and_reads_events(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Hooked")
    headers = _bearer(_create_key(client, "ci", "write"))
    api = f"/api/v1/manage/apps/{appid}/webhook-endpoints"
    types = client.get("/api/v1/manage/webhook-event-types", headers=headers).get_json()
    assert {"order.paid", "webhook.test"} <= {t["type"] for t in types["data"]}
    created = client.post(api, headers=headers, json={
        "url": "https://hooks.example/orders", "event_types": ["order.paid"]})
    assert created.status_code == 201
    body = created.get_json()
    endpoint_id = body["endpoint"]["id"]
    row = db.session.get(WebhookEndpoint, endpoint_id)
    assert body["secret"] == row.secret and body["standard_webhooks_secret"].startswith("whsec_")
    assert "secret" not in client.get(f"{api}/{endpoint_id}", headers=headers).get_json()

    patched = client.patch(f"{api}/{endpoint_id}", headers=headers,
                           json={"enabled": False, "event_types": []})
    assert patched.get_json()["enabled"] is False and patched.get_json()["event_types"] == []
    assert patched.get_json()["disabled_reason"] == "developer"
    rotated = client.post(f"{api}/{endpoint_id}/rotate-secret", headers=headers).get_json()
    assert rotated["endpoint"]["previous_secret_expires_at"] is not None
    assert client.patch(f"{api}/{endpoint_id}", headers=headers,
                        json={"enabled": True}).get_json()["enabled"] is True

    from gateway.apps.services import find_by_appid
    enqueue_webhook(find_by_appid(appid), "order.paid", {"order_id": "o1"})
    db.session.commit()
    events = client.get(f"/api/v1/manage/apps/{appid}/events", headers=headers).get_json()
    [event] = events["data"]
    assert event["type"] == "order.paid" and event["data"] == {"order_id": "o1"}
    one = client.get(f"/api/v1/manage/apps/{appid}/events/{event['id']}",
                     headers=headers).get_json()
    assert [d["endpoint_id"] for d in one["deliveries"]] == [endpoint_id]
    assert client.get(f"/api/v1/manage/apps/{appid}/events/evt_nope",
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/manage/apps/{appid}/events?type=order.stolen",
                      headers=headers).status_code == 422

    sent = client.post(f"{api}/{endpoint_id}/test", headers=headers)
    assert sent.status_code == 202 and sent.get_json()["endpoint_id"] == endpoint_id
    assert client.delete(f"{api}/{endpoint_id}", headers=headers).status_code == 204
    assert client.get(api, headers=headers).get_json()["data"] == []
    assert db.session.query(OutboxMessage).count() == 0


@pytest.mark.parametrize("payload", [
    {"url": "javascript:alert(1)"}, {"url": "https://hooks.example:70000/"},
    {"url": "https://hooks.example/", "event_types": "order.paid"},
    {"url": "https://hooks.example/", "event_types": ["nope"]},
    {"url": "https://hooks.example/", "enabled": "yes"}, {"url": 5}, {},
    {"url": "https://10.0.0.1/"}, {"url": "https://hooks.example/", "description": "x" * 201}])
def test_the_management_api_refuses_bad_endpoints_with_422(client, auth, factory,
                                                           payload: dict[str, Any]) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Hooked")
    headers = _bearer(_create_key(client, "ci", "write"))
    answer = client.post(f"/api/v1/manage/apps/{appid}/webhook-endpoints", headers=headers,
                         json=payload)
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error"] == "validation_error" and answer.get_json()["fields"]
    assert db.session.query(WebhookEndpoint).count() == 0


def test_a_patch_with_a_bad_field_changes_nothing(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Hooked")
    headers = _bearer(_create_key(client, "ci", "write"))
    api = f"/api/v1/manage/apps/{appid}/webhook-endpoints"
    endpoint_id = client.post(api, headers=headers, json={"url": "https://hooks.example/a"}
                              ).get_json()["endpoint"]["id"]
    answer = client.patch(f"{api}/{endpoint_id}", headers=headers,
                          json={"description": "new", "url": "gopher://x"})
    assert answer.status_code == 422
    got = client.get(f"{api}/{endpoint_id}", headers=headers).get_json()
    assert got["url"] == "https://hooks.example/a" and got["description"] == ""
    assert client.get(f"{api}/abc", headers=headers).status_code == 404
    assert client.get(f"{api}/99999999999999999999999", headers=headers).status_code == 404


def test_test_events_are_limited_per_app_across_endpoints(client, auth, factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Hooked")
    headers = _bearer(_create_key(client, "ci", "write"))
    api = f"/api/v1/manage/apps/{appid}/webhook-endpoints"
    ids = [client.post(api, headers=headers, json={"url": f"https://hooks.example/{n}"}
                       ).get_json()["endpoint"]["id"] for n in range(2)]
    answers = [client.post(f"{api}/{ids[n % 2]}/test", headers=headers) for n in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert answers[-1].get_json()["error"] == "rate_limited"
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert db.session.query(OutboxMessage).count() == 3  # the refused one queued nothing
    _, other, _ = developer(client, auth, factory, "olive", "Other")  # another app: its own
    other_headers = _bearer(_create_key(client, "ci", "write"))
    other_api = f"/api/v1/manage/apps/{other}/webhook-endpoints"
    other_id = client.post(other_api, headers=other_headers,
                           json={"url": "https://hooks.example/o"}).get_json()["endpoint"]["id"]
    assert client.post(f"{other_api}/{other_id}/test",
                       headers=other_headers).status_code == 202


def test_a_webhook_url_given_at_registration_is_the_first_endpoint(client, auth,
                                                                   factory) -> None:
    from gateway.apps.services import find_by_appid
    from tests.developer_portal.helpers import register_app

    developer(client, auth, factory, "devon")
    appid, _ = register_app(client, "Hooked", webhook_url="https://hooks.example/first")
    [endpoint] = db.session.query(WebhookEndpoint).all()
    app = find_by_appid(appid)
    assert endpoint.app_id == app.id and endpoint.url == "https://hooks.example/first"
    assert endpoint.secret == app.webhook_secret and endpoint.event_types == []
    html = page(client, f"/developer/apps/{appid}/edit")
    assert 'name="webhook_url"' not in html and f"/developer/apps/{appid}/webhooks" in html
    response = post_form(client, "/developer/apps/new", "/developer/apps/new", {
        "name": "Probe", "category": "social", "app_type": "web",
        "redirect_uris": "https://photos.example.com/callback",
        "webhook_url": "http://127.0.0.1:22/"})
    assert response.status_code == 400 and "not allowed" in response.get_data(as_text=True)
    assert db.session.query(WebhookEndpoint).count() == 1

"""zoneconnect.manage against the real platform: a developer's script registers an app, sends a
test event, reads its deliveries and auth events, rotates the webhook secret, deletes the app."""

from __future__ import annotations

import pytest
import zoneconnect
from sqlalchemy import select
from zoneconnect.manage import ManageClient

from gateway.apps.models import App
from gateway.authlog import recorder
from gateway.developers import keys, services
from gateway.extensions import db
from tests.money_helpers import add_endpoint


@pytest.fixture
def api_keys(app, factory, live_server):
    dana = factory.user("dana")
    services.open_profile(dana, name="Dana Ltd", contact_email="dana@example.com")
    _, write = keys.create_key(dana, name="ci", scope="write")
    _, read = keys.create_key(dana, name="ro", scope="read")
    db.session.commit()
    return {"write": write, "read": read, "url": live_server.url}


def test_a_developer_script(api_keys, client):
    with ManageClient(api_key=api_keys["write"], base_url=api_keys["url"]) as manage:
        created = manage.apps.create(name="Script Shop",
                                     redirect_uris=["https://shop.example/callback"])
        appid = created["app"]["appid"]
        assert [a["appid"] for a in manage.apps.list()] == [appid]
        with pytest.raises(zoneconnect.BadRequestError):
            manage.webhooks.send_test(appid)  # no webhook URL yet
        row = db.session.scalar(select(App).where(App.appid == appid))
        add_endpoint(row, "https://hooks.shop.example/zc")
        db.session.commit()
        sent = manage.webhooks.send_test(appid)
        assert sent["type"] == "webhook.test" and sent["status"] == "pending"
        [listed] = manage.deliveries.list(appid)
        assert listed["event_id"] == sent["event_id"]
        client.post("/oauth2.0/token", data={"grant_type": "authorization_code",
                                             "client_id": appid, "client_secret": "0" * 32,
                                             "code": "F" * 32})
        recorder.flush()
        [event] = manage.auth_events.list(appid, outcome="failure")
        assert event["reason"] == "invalid_client_secret"
        assert manage.apps.set_test_users(appid, ["dana"]) == ["dana"]
        assert manage.apps.submit(appid)["status"] == "in_review"
        rotated = manage.apps.rotate_webhook_secret(appid)
        assert rotated["standard_webhooks_secret"].startswith("whsec_")
        with pytest.raises(zoneconnect.BadRequestError):
            manage.apps.delete(appid, confirm_name="wrong")
        assert manage.apps.delete(appid, confirm_name="Script Shop")["status"] == "deleted"
        with pytest.raises(zoneconnect.NotFoundError):
            manage.apps.retrieve(appid)
    with ManageClient(api_key=api_keys["read"], base_url=api_keys["url"]) as read_only:
        with pytest.raises(zoneconnect.PermissionDeniedError):
            read_only.apps.create(name="Nope", redirect_uris=["https://x.example/cb"])
    with ManageClient(api_key="zcpat_forged", base_url=api_keys["url"]) as forged:
        with pytest.raises(zoneconnect.AuthenticationError):
            forged.apps.list()


def test_webhook_endpoints_and_events_through_the_sdk(api_keys, client):
    """A script adds two endpoints, subscribes one to orders only, disables and enables it,
    sends a test event to one, reads the events with their deliveries, removes an endpoint."""
    with ManageClient(api_key=api_keys["write"], base_url=api_keys["url"]) as manage:
        appid = manage.apps.create(name="Hooks Shop", redirect_uris=[
            "https://shop.example/callback"])["app"]["appid"]
        assert "order.paid" in {t["type"] for t in manage.webhook_endpoints.event_types()}
        every = manage.webhook_endpoints.create(appid, url="https://hooks.shop.example/all")
        orders = manage.webhook_endpoints.create(appid, url="https://hooks.shop.example/o",
                                                 event_types=["order.paid"])
        assert every["secret"] != orders["secret"]
        with pytest.raises(zoneconnect.BadRequestError) as refused:
            manage.webhook_endpoints.create(appid, url="http://169.254.169.254/")
        assert "url" in refused.value.fields
        first = every["endpoint"]["id"]
        assert manage.webhook_endpoints.update(appid, first, enabled=False)["enabled"] is False
        assert manage.webhook_endpoints.update(appid, first, enabled=True)["enabled"] is True
        sent = manage.webhook_endpoints.send_test(appid, first)
        assert sent["endpoint_id"] == first and sent["type"] == "webhook.test"
        [event] = manage.events.list(appid)
        assert event["type"] == "webhook.test" and event["id"] == sent["event_id"]
        detail = manage.events.retrieve(appid, event["id"])
        assert [d["endpoint_id"] for d in detail["deliveries"]] == [first]
        manage.webhook_endpoints.delete(appid, orders["endpoint"]["id"])
        assert [e["id"] for e in manage.webhook_endpoints.list(appid)] == [first]
        with pytest.raises(zoneconnect.NotFoundError):
            manage.webhook_endpoints.retrieve(appid, orders["endpoint"]["id"])

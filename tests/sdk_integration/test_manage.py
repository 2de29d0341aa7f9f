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
        row.webhook_url = "https://hooks.shop.example/zc"
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

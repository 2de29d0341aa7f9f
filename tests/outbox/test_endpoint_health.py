"""An endpoint that keeps failing: one mail after ZC_WEBHOOK_ALERT_AFTER of failures (once per
run of failures), disabled with a second mail after ZC_WEBHOOK_DISABLE_AFTER, its deliveries
held; enabled again from the portal, the held deliveries go out. Mail read from real SMTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.developers.services import open_profile
from gateway.extensions import db
from gateway.outbox import endpoints, worker
from gateway.outbox.models import OutboxMessage, WebhookEndpoint
from gateway.outbox.services import enqueue_webhook, resend
from gateway.timeutil import utcnow
from tests.developer_portal.helpers import post_form
from tests.money_helpers import make_shop
from tests.outbox.test_worker import Receiver


@pytest.fixture
def app_config(smtp_server) -> dict[str, Any]:
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True, "ZC_SMTP_URL": smtp_server.url(),
            "ZC_PUBLIC_URL": "https://zc.example.com"}


@pytest.fixture
def receiver():
    r = Receiver()
    r.status = 500
    yield r
    r.close()


def _failing_shop(factory, receiver: Receiver) -> tuple[Any, WebhookEndpoint]:
    shop = make_shop(factory, endpoint=False)
    developer = db.session.get(User, shop.developer_id)
    developer.email = "ops@devon.example"  # verified (the factory's default)
    open_profile(developer, name="Devon Ltd", contact_email="contact@devon.example")
    endpoint = endpoints.create_endpoint(shop.app, None, receiver.url)
    db.session.commit()
    return shop, endpoint


def _fail_once(app_id: int, note: str = "x") -> None:
    app = db.session.get(App, app_id)
    enqueue_webhook(app, "app.suspended", {"appid": app.appid, "note": note})
    db.session.commit()
    worker.run_once()


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    db.session.expire_all()
    return db.session.get(WebhookEndpoint, endpoint_id)


def test_an_hour_of_failures_mails_the_developer_once(app, factory, receiver, smtp_server,
                                                      send_mail) -> None:
    shop, endpoint = _failing_shop(factory, receiver)
    app_id, appid, endpoint_id = shop.app.id, shop.app.appid, endpoint.id
    _fail_once(app_id)
    endpoint = _endpoint(endpoint_id)
    assert endpoint.failing_since is not None and endpoint.alerted_at is None
    send_mail()
    assert smtp_server.received == []  # one failure is not an incident

    endpoint = _endpoint(endpoint_id)
    endpoint.failing_since = utcnow() - timedelta(minutes=61)
    db.session.commit()
    _fail_once(app_id)
    _fail_once(app_id)  # the same incident: no second mail
    assert send_mail() == 1
    [mail] = smtp_server.to("ops@devon.example")
    assert "Webhook deliveries to your app are failing" in mail.message["Subject"]
    assert receiver.url in mail.text and "Sword Shop" in mail.text
    assert mail.link("/webhooks") == f"https://zc.example.com/developer/apps/{appid}/webhooks"
    assert "/unsubscribe" in mail.message["List-Unsubscribe"]  # a topic they may turn off
    assert _endpoint(endpoint_id).enabled  # an hour is not enough to disable it

    receiver.status = 200  # a success ends the incident ...
    resend(db.session.query(OutboxMessage).first().id)
    db.session.commit()
    worker.run_once()
    endpoint = _endpoint(endpoint_id)
    assert endpoint.failing_since is None and endpoint.alerted_at is None
    receiver.status = 500  # ... and the next incident gets its own mail
    _fail_once(app_id)
    endpoint = _endpoint(endpoint_id)
    endpoint.failing_since = utcnow() - timedelta(minutes=90)
    db.session.commit()
    _fail_once(app_id)
    send_mail()
    assert len(smtp_server.to("ops@devon.example")) == 2


def test_days_of_failures_disable_the_endpoint_hold_its_queue_and_mail(
        app, factory, receiver, smtp_server, send_mail, client, auth) -> None:
    shop, endpoint = _failing_shop(factory, receiver)
    app_id, appid, endpoint_id = shop.app.id, shop.app.appid, endpoint.id
    developer = db.session.get(User, shop.developer_id).username
    _fail_once(app_id)
    endpoint = _endpoint(endpoint_id)
    endpoint.failing_since = utcnow() - timedelta(days=3, minutes=1)
    endpoint.alerted_at = utcnow() - timedelta(days=2)
    enqueue_webhook(db.session.get(App, app_id), "app.reinstated",
                    {"appid": appid, "note": "queued"})
    db.session.commit()
    worker.run_once()  # the due one fails again: disabled, and everything queued is held
    endpoint = _endpoint(endpoint_id)
    assert not endpoint.enabled and endpoint.disabled_reason == "failing"
    assert {m.status for m in db.session.query(OutboxMessage)} == {"held"}
    sent_before = len(receiver.requests)
    enqueue_webhook(db.session.get(App, app_id), "app.suspended", {"appid": appid, "note": "n"})
    db.session.commit()
    assert db.session.query(OutboxMessage).count() == 2  # nothing new for a disabled endpoint
    assert worker.run_once() == 0 and len(receiver.requests) == sent_before
    send_mail()
    [mail] = smtp_server.to("ops@devon.example")
    assert "disabled" in mail.message["Subject"] and receiver.url in mail.text

    receiver.status = 200  # fixed; the developer enables it again from the portal
    auth.login(developer)
    listing = f"/developer/apps/{appid}/webhooks"
    assert "disabled after failing" in client.get(listing).get_data(as_text=True)
    assert post_form(client, listing, f"{listing}/{endpoint_id}/enable", {}).status_code == 303
    endpoint = _endpoint(endpoint_id)
    assert endpoint.enabled and endpoint.failing_since is None
    assert worker.run_once() == 2  # what was held goes out now, from its first attempt
    db.session.expire_all()
    assert {m.status for m in db.session.query(OutboxMessage)} == {"delivered"}
    assert any(b"queued" in r["body"] for r in receiver.requests[sent_before:])


def test_a_developer_who_turned_the_topic_off_gets_no_mail(app, factory, receiver, smtp_server,
                                                           send_mail) -> None:
    from gateway.notifications.services import set_topic

    shop, endpoint = _failing_shop(factory, receiver)
    app_id, endpoint_id = shop.app.id, endpoint.id
    set_topic(db.session.get(User, shop.developer_id), "webhook_failures", False,
              via="preferences")
    endpoint.failing_since = utcnow() - timedelta(hours=2)
    db.session.commit()
    _fail_once(app_id)
    assert _endpoint(endpoint_id).alerted_at is not None  # the incident is noted all the same
    send_mail()
    assert smtp_server.received == []

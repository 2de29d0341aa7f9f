"""The portal's webhook deliveries page: every attempt listed, Resend, and 404 for others."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.accounts.models import User
from gateway.audit.models import AuditEvent
from gateway.developers.services import open_profile
from gateway.extensions import db
from gateway.outbox import worker
from gateway.outbox.models import OutboxMessage
from gateway.timeutil import utcnow
from tests.conftest import csrf_from
from tests.money_helpers import Shop, make_shop, pay_order, webhook_endpoint
from tests.outbox.test_worker import Receiver


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True}  # the receiver listens on loopback


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _page(shop: Shop) -> str:
    return f"/developer/apps/{shop.app.appid}/deliveries"


def _failed_then_delivered(factory, receiver: Receiver) -> tuple[Shop, OutboxMessage]:
    """An order.paid event whose first POST got a 500 and whose retry got a 200."""
    shop = make_shop(factory, coins=100)
    webhook_endpoint(shop.app).url = receiver.url
    db.session.commit()
    pay_order(shop, 30)
    receiver.status = 500
    assert worker.run_once() == 1
    message = db.session.query(OutboxMessage).one()
    assert message.status == "pending"
    message.next_attempt_at = utcnow()  # the backoff has passed
    db.session.commit()
    receiver.status = 200
    assert worker.run_once() == 1
    db.session.expire_all()
    return shop, db.session.query(OutboxMessage).one()


def _login_developer(auth, shop: Shop) -> None:
    developer = db.session.get(User, shop.developer_id)
    assert developer is not None
    auth.login(developer.username)


def _attempts(html: str) -> list[str]:
    return re.findall(r'<tr class="attempt">(.*?)</tr>', html, re.S)


def test_a_failed_then_successful_delivery_shows_both_attempts(
        app: Flask, client: FlaskClient, factory, auth, receiver: Receiver) -> None:
    shop, message = _failed_then_delivered(factory, receiver)
    assert message.status == "delivered"
    _login_developer(auth, shop)
    response = client.get(_page(shop))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<code>order.paid</code>" in html and receiver.url in html
    assert 'status-delivered">delivered' in html
    first, second = _attempts(html)
    assert "<td>1</td>" in first and "failed" in first and "<td>500</td>" in first
    assert "HTTP 500" in first and " ms</td>" in first
    assert "<td>2</td>" in second and "<td>ok</td>" in second and "<td>200</td>" in second
    assert "next retry" not in html  # delivered: nothing scheduled


def test_pending_event_shows_its_next_retry(app: Flask, client: FlaskClient, factory, auth,
                                            receiver: Receiver) -> None:
    shop = make_shop(factory, coins=100)
    webhook_endpoint(shop.app).url = receiver.url
    db.session.commit()
    pay_order(shop, 30)
    receiver.status = 503
    worker.run_once()
    db.session.expire_all()
    retry = db.session.query(OutboxMessage).one().next_attempt_at
    _login_developer(auth, shop)
    html = client.get(_page(shop)).get_data(as_text=True)
    # Shown in the reader's words and time zone, the instant kept machine-readable.
    assert 'next retry <time datetime="' + retry.strftime("%Y-%m-%dT%H:%M:%S") + 'Z">' in html
    assert "HTTP 503" in html


def test_app_page_links_to_deliveries(app: Flask, client: FlaskClient, factory, auth) -> None:
    shop = make_shop(factory)
    developer = db.session.get(User, shop.developer_id)
    open_profile(developer, name="Dev", contact_email="dev@example.com")
    db.session.commit()
    auth.login(developer.username)
    html = client.get(f"/developer/apps/{shop.app.appid}").get_data(as_text=True)
    assert f'href="{_page(shop)}"' in html


def test_resend_delivers_again(app: Flask, client: FlaskClient, factory, auth,
                               receiver: Receiver) -> None:
    shop, message = _failed_then_delivered(factory, receiver)
    _login_developer(auth, shop)
    token = csrf_from(client.get(_page(shop)).get_data(as_text=True))
    url = f"{_page(shop)}/{message.id}/resend"
    assert client.post(url).status_code == 400  # no CSRF token: nothing changes
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "delivered"
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith(_page(shop))
    db.session.expire_all()
    again = db.session.get(OutboxMessage, message.id)
    assert again.status == "pending" and again.next_attempt_at <= utcnow()
    assert db.session.query(AuditEvent).filter_by(action="webhook.resent").count() == 1
    assert worker.run_once() == 1
    assert len(receiver.requests) == 3
    assert receiver.requests[-1]["body"] == receiver.requests[0]["body"]  # the same event
    html = client.get(_page(shop)).get_data(as_text=True)
    assert "will be delivered again" in html
    assert len(_attempts(html)) == 3


def test_another_developer_gets_404(app: Flask, client: FlaskClient, factory, auth,
                                    receiver: Receiver) -> None:
    shop, message = _failed_then_delivered(factory, receiver)
    other = make_shop(factory)  # a developer with an app of their own
    _login_developer(auth, other)
    assert client.get(_page(shop)).status_code == 404
    token = csrf_from(client.get(_page(other)).get_data(as_text=True))
    assert client.post(f"{_page(shop)}/{message.id}/resend",
                       data={"csrf_token": token}).status_code == 404
    # Their own appid with somebody else's event is no way round it.
    assert client.post(f"{_page(other)}/{message.id}/resend",
                       data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "delivered"


def test_anonymous_is_sent_to_login(app: Flask, client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    response = client.get(_page(shop))
    assert response.status_code == 302 and "/login" in response.location

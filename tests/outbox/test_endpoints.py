"""Several endpoints per app: each event goes to every subscribed, enabled endpoint as its own
delivery, signed with that endpoint's secret; failures of one never touch another; a rolled-back
change queues nothing and no event is ever queued twice for one endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from gateway.extensions import db
from gateway.outbox import endpoints, worker
from gateway.outbox.models import OutboxMessage, WebhookEndpoint, WebhookEvent
from gateway.outbox.services import enqueue_webhook, resend
from gateway.outbox.signing import verify
from tests.money_helpers import make_shop, pay_order
from tests.outbox.test_worker import Receiver


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True}


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made = [Receiver() for _ in range(3)]
    yield made
    for r in made:
        r.close()


def _endpoint(app: Any, url: str, types: list[str] | None = None) -> WebhookEndpoint:
    return endpoints.create_endpoint(app, None, url, event_types=types)


def test_an_event_goes_to_each_subscribed_endpoint_signed_with_its_own_secret(
        app: Flask, factory, receivers: list[Receiver]) -> None:
    shop = make_shop(factory, coins=100, endpoint=False)
    every = _endpoint(shop.app, receivers[0].url)
    orders = _endpoint(shop.app, receivers[1].url, ["order.paid", "order.refunded"])
    other = _endpoint(shop.app, receivers[2].url, ["user.deauthorized"])
    off = _endpoint(shop.app, receivers[2].url.replace("/hook", "/off"))
    endpoints.disable(off, None, "developer")
    db.session.commit()
    pay_order(shop, 30)

    messages = db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()
    assert [m.endpoint_id for m in messages] == [every.id, orders.id]
    assert len({m.event_id for m in messages}) == 1
    [event] = db.session.query(WebhookEvent).all()
    assert event.event_type == "order.paid" and all(m.body == event.body for m in messages)
    assert worker.run_once() == 2
    for receiver, endpoint in ((receivers[0], every), (receivers[1], orders)):
        [request] = receiver.requests
        assert request["body"] == event.body.encode()
        assert verify(request["body"], request["headers"]["ZoneConnect-Signature"],
                      endpoint.secret)
        assert not verify(request["body"], request["headers"]["ZoneConnect-Signature"],
                          other.secret)
        assert request["headers"]["webhook-id"] == event.event_id
    assert receivers[2].requests == [] and other.secret != every.secret


def test_one_failing_endpoint_is_retried_alone(app: Flask, factory,
                                               receivers: list[Receiver]) -> None:
    shop = make_shop(factory, endpoint=False)
    good, bad = _endpoint(shop.app, receivers[0].url), _endpoint(shop.app, receivers[1].url)
    db.session.commit()
    enqueue_webhook(shop.app, "app.suspended", {"appid": shop.app.appid, "note": "x"})
    db.session.commit()
    receivers[1].status = 500
    assert worker.run_once() == 2
    failed = db.session.query(OutboxMessage).filter_by(endpoint_id=bad.id).one()
    assert failed.status == "pending"
    receivers[1].status = 200
    resend(failed.id)
    db.session.commit()
    assert worker.run_once() == 1
    assert len(receivers[0].requests) == 1 and len(receivers[1].requests) == 2
    statuses = {m.endpoint_id: m.status for m in db.session.query(OutboxMessage)}
    assert statuses == {good.id: "delivered", bad.id: "delivered"}


def test_a_rolled_back_change_queues_no_event_and_no_delivery(app: Flask, factory) -> None:
    shop = make_shop(factory, endpoint=False)
    _endpoint(shop.app, "https://hooks.example/a")
    _endpoint(shop.app, "https://hooks.example/b")
    db.session.commit()
    enqueue_webhook(shop.app, "app.suspended", {"appid": shop.app.appid, "note": "x"})
    db.session.rollback()
    assert db.session.query(WebhookEvent).count() == 0
    assert db.session.query(OutboxMessage).count() == 0


def test_a_second_delivery_of_one_event_to_one_endpoint_cannot_be_written(
        app: Flask, factory) -> None:
    shop = make_shop(factory, endpoint=False)
    endpoint = _endpoint(shop.app, "https://hooks.example/a")
    db.session.commit()
    [message] = enqueue_webhook(shop.app, "app.suspended", {"appid": "x", "note": "x"})
    db.session.commit()
    db.session.add(OutboxMessage(event_id=message.event_id, app_id=shop.app.id,
                                 event_type=message.event_type, endpoint_id=endpoint.id,
                                 url=endpoint.url, body=message.body))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.query(OutboxMessage).count() == 1


def test_a_callback_url_that_is_also_an_endpoint_gets_one_delivery(app: Flask, factory) -> None:
    shop = make_shop(factory, endpoint=False)
    endpoint = _endpoint(shop.app, "https://hooks.example/a")
    db.session.commit()
    messages = enqueue_webhook(shop.app, "order.paid", {"order_id": "o"},
                               url="https://hooks.example/a")
    assert [m.endpoint_id for m in messages] == [endpoint.id]
    messages = enqueue_webhook(shop.app, "order.paid", {"order_id": "o"},
                               url="https://shop.example/notify")
    assert [(m.endpoint_id, m.url) for m in messages] == [
        (endpoint.id, "https://hooks.example/a"), (None, "https://shop.example/notify")]


def test_disabling_holds_queued_deliveries_and_enabling_sends_them(
        app: Flask, factory, receivers: list[Receiver]) -> None:
    shop = make_shop(factory, endpoint=False)
    endpoint = _endpoint(shop.app, receivers[0].url)
    db.session.commit()
    enqueue_webhook(shop.app, "app.suspended", {"appid": "x", "note": "a"})
    endpoints.disable(endpoint, None, "developer")
    enqueue_webhook(shop.app, "app.reinstated", {"appid": "x", "note": "b"})  # not for it
    db.session.commit()
    assert worker.run_once() == 0
    assert [m.status for m in db.session.query(OutboxMessage)] == ["held"]
    endpoints.enable(endpoint, None)
    db.session.commit()
    assert worker.run_once() == 1
    [request] = receivers[0].requests
    assert json.loads(request["body"])["type"] == "app.suspended"


def test_removing_an_endpoint_drops_its_queue_and_keeps_the_events(app: Flask, factory) -> None:
    shop = make_shop(factory, endpoint=False)
    endpoint = _endpoint(shop.app, "https://hooks.example/a")
    db.session.commit()
    enqueue_webhook(shop.app, "app.suspended", {"appid": "x", "note": "a"})
    endpoints.remove_endpoint(endpoint, None)
    db.session.commit()
    assert db.session.query(OutboxMessage).count() == 0
    assert db.session.query(WebhookEvent).count() == 1
    assert worker.run_once() == 0


def test_an_endpoint_rotation_during_a_backlog_signs_with_both_then_the_new(
        app: Flask, factory, receivers: list[Receiver]) -> None:
    shop = make_shop(factory, endpoint=False)
    endpoint = _endpoint(shop.app, receivers[0].url)
    db.session.commit()
    enqueue_webhook(shop.app, "app.suspended", {"appid": "x", "note": "a"})
    db.session.commit()
    old = endpoint.secret
    new = endpoints.rotate_secret(endpoint, None, 3600)
    db.session.commit()
    assert worker.run_once() == 1
    [request] = receivers[0].requests
    header = request["headers"]["ZoneConnect-Signature"]
    assert verify(request["body"], header, new) and verify(request["body"], header, old)
    assert header.count("v1=") == 2

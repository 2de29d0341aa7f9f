"""Webhook signature verification: `ZoneConnect-Signature: t=<unix>,v1=<hex>`."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from zoneconnect import SignatureVerificationError, webhooks

SECRET = "whsec_test"
NOW = 1_800_000_000
BODY = json.dumps({"id": "evt_1", "type": "order.paid", "created": NOW, "data": {
    "order_id": "ord_1", "status": "paid", "amount": 60, "item_id": "sword-1",
    "item_name": "Sword", "openid": "O", "confirm_url": None, "notify_url": None,
    "created_at": "2026-11-22T10:00:00Z", "paid_at": "2026-11-22T10:01:00Z",
    "refunded_at": None}}).encode()


def sig(body: bytes = BODY, secret: str = SECRET, t: int = NOW) -> str:
    """The signature computed independently of the SDK."""
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def header(value: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "ZoneConnect-Signature": value}


def test_valid() -> None:
    event = webhooks.verify(BODY, header(f"t={NOW},v1={sig()}"), SECRET, now=NOW + 10)
    assert (event.id, event.type, event.created) == ("evt_1", "order.paid", NOW)
    assert event.data["order_id"] == "ord_1"
    assert event.order is not None and event.order.status == "paid"


def test_header_name_is_case_insensitive_and_str_payload_works() -> None:
    headers = {"zoneconnect-signature": f"t={NOW},v1={sig()}"}
    assert webhooks.verify(BODY.decode(), headers, SECRET, now=NOW).id == "evt_1"


def test_construct_signature_round_trips() -> None:
    value = webhooks.construct_signature(BODY, SECRET, timestamp=NOW)
    assert value == f"t={NOW},v1={sig()}"
    assert webhooks.verify(BODY, header(value), SECRET, now=NOW).type == "order.paid"


def test_tampered_body() -> None:
    tampered = BODY.replace(b'"amount": 60', b'"amount": 6000')
    with pytest.raises(SignatureVerificationError, match="no signature matches"):
        webhooks.verify(tampered, header(f"t={NOW},v1={sig()}"), SECRET, now=NOW)


def test_wrong_secret() -> None:
    with pytest.raises(SignatureVerificationError):
        webhooks.verify(BODY, header(f"t={NOW},v1={sig(secret='other')}"), SECRET, now=NOW)


def test_timestamp_is_signed() -> None:
    with pytest.raises(SignatureVerificationError):
        webhooks.verify(BODY, header(f"t={NOW + 1},v1={sig()}"), SECRET, now=NOW)


@pytest.mark.parametrize("offset", [301, -301, 10_000])
def test_stale_or_future_timestamp(offset: int) -> None:
    t = NOW - offset
    with pytest.raises(SignatureVerificationError, match="tolerance"):
        webhooks.verify(BODY, header(f"t={t},v1={sig(t=t)}"), SECRET, now=NOW)


def test_tolerance_is_configurable() -> None:
    t = NOW - 1000
    webhooks.verify(BODY, header(f"t={t},v1={sig(t=t)}"), SECRET, tolerance=1200, now=NOW)


def test_missing_header() -> None:
    with pytest.raises(SignatureVerificationError, match="missing"):
        webhooks.verify(BODY, {"Content-Type": "application/json"}, SECRET, now=NOW)


@pytest.mark.parametrize(
    "value",
    ["", "garbage", f"v1={sig()}", f"t=abc,v1={sig()}", f"t={NOW}", f"t={NOW},v0={sig()}",
     f"t=-{NOW},v1={sig()}", f"t={NOW},v1=é"],
)
def test_malformed_header(value: str) -> None:
    with pytest.raises(SignatureVerificationError):
        webhooks.verify(BODY, header(value), SECRET, now=NOW)


def test_any_of_several_v1_values_may_match() -> None:
    """While a secret is rotated the platform signs with both; order does not matter."""
    value = f"t={NOW},v1={sig(secret='old')},v1={sig()}"
    assert webhooks.verify(BODY, header(value), SECRET, now=NOW).id == "evt_1"
    value = f"t={NOW}, v1={sig()}, v1={sig(secret='old')}"
    assert webhooks.verify(BODY, header(value), SECRET, now=NOW).id == "evt_1"


def test_signed_but_not_an_event() -> None:
    body = b'{"hello": "world"}'
    with pytest.raises(ValueError, match="not a valid event"):
        webhooks.verify(body, header(f"t={NOW},v1={sig(body)}"), SECRET, now=NOW)


def test_user_deauthorized_has_no_order() -> None:
    body = json.dumps({"id": "evt_2", "type": "user.deauthorized", "created": NOW,
                       "data": {"openid": "O", "appid": "101000001"}}).encode()
    event = webhooks.verify(body, header(f"t={NOW},v1={sig(body)}"), SECRET, now=NOW)
    assert event.order is None and event.data["openid"] == "O"


def test_framework_header_objects_are_accepted() -> None:
    """`request.headers` of Flask (werkzeug) and httpx's Headers type-check and verify as is."""
    import httpx
    from werkzeug.datastructures import Headers

    value = f"t={NOW},v1={sig()}"
    assert webhooks.verify(BODY, Headers(header(value)), SECRET, now=NOW).id == "evt_1"
    assert webhooks.verify(BODY, httpx.Headers(header(value)), SECRET, now=NOW).id == "evt_1"


def test_livemode_of_events_and_their_orders() -> None:
    live = webhooks.verify(BODY, header(f"t={NOW},v1={sig()}"), SECRET, now=NOW)
    assert live.livemode is True and live.order is not None and live.order.livemode is True
    body = json.loads(BODY)
    body["livemode"], body["data"]["livemode"] = False, False
    test_body = json.dumps(body).encode()
    event = webhooks.verify(test_body, header(f"t={NOW},v1={sig(test_body)}"), SECRET, now=NOW)
    assert event.livemode is False and event.order is not None and event.order.livemode is False
    # Anything but a JSON true is not live: a malformed flag never passes for a real sale.
    body["livemode"] = "true"
    odd = json.dumps(body).encode()
    assert webhooks.verify(odd, header(f"t={NOW},v1={sig(odd)}"), SECRET,
                           now=NOW).livemode is False

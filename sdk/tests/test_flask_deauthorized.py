"""The blueprint's `/deauthorized` callback: a user who revokes the app is signed out here."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import FakeClock
from fakes import BASE, OPENID, FakeProvider
from flask import Flask
from flask.testing import FlaskClient
from test_flask import complete, start_login

import zoneconnect
from zoneconnect import webhooks
from zoneconnect.flask import (
    TOKEN_KEY,
    USER_KEY,
    MemoryDeauthorizations,
    create_blueprint,
    current_user,
    save_token,
)

SECRET = "whsec-test"


@pytest.fixture
def zc(provider: FakeProvider, clock: FakeClock) -> Iterator[zoneconnect.Client]:
    with zoneconnect.Client(app_id="101000001", app_key="0123456789ABCDEF0123456789ABCDEF",
                            base_url=BASE, _clock=clock, _sleep=clock.sleep,
                            http_client=httpx.Client(transport=provider.transport()),
                            on_token_refresh=save_token) as client:
        yield client


@pytest.fixture
def events() -> list[zoneconnect.webhooks.Event]:
    return []


@pytest.fixture
def browser(zc: zoneconnect.Client, events: list[Any]) -> FlaskClient:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", TESTING=True)
    app.register_blueprint(create_blueprint(zc, scopes=("openid", "get_user_info"),
                                            webhook_secret=SECRET, on_deauthorized=events.append))

    @app.get("/")
    def index() -> str:
        user = current_user()
        return f"hello {user['nickname']}" if user else "anonymous"

    return app.test_client()


def deliver(browser: FlaskClient, openid: str = OPENID, *, created: float | None = None,
            secret: str = SECRET, kind: str = "user.deauthorized") -> Any:
    body = json.dumps({"id": "evt_1", "type": kind, "created": int(created or time.time()),
                       "data": {"openid": openid, "appid": "101000001"}}).encode()
    signature = webhooks.construct_signature(body, secret)
    # Another client: the platform's worker, not the user's browser (no session cookie).
    return browser.application.test_client().post(
        "/zoneconnect/deauthorized", data=body,
        headers={"ZoneConnect-Signature": signature, "Content-Type": "application/json"})


def test_signed_callback_signs_the_user_out(browser: FlaskClient, provider: FakeProvider,
                                            events: list[Any]) -> None:
    complete(browser, provider, start_login(browser))
    assert browser.get("/").text == "hello Alice"
    response = deliver(browser)
    assert response.status_code == 204
    assert events[0].type == "user.deauthorized" and events[0].data["openid"] == OPENID
    assert browser.get("/").text == "anonymous"
    with browser.session_transaction() as session:
        assert USER_KEY not in session and TOKEN_KEY not in session


def test_logging_in_again_afterwards_is_kept(browser: FlaskClient,
                                             provider: FakeProvider) -> None:
    assert deliver(browser, created=time.time() - 5).status_code == 204
    complete(browser, provider, start_login(browser))
    assert browser.get("/").text == "hello Alice"


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_unsigned_or_forged_callback_changes_nothing(browser: FlaskClient,
                                                    provider: FakeProvider, secret: str,
                                                    events: list[Any]) -> None:
    complete(browser, provider, start_login(browser))
    if secret:
        assert deliver(browser, secret=secret).status_code == 400
    else:
        assert browser.application.test_client().post(
            "/zoneconnect/deauthorized", data=b"{}").status_code == 400
    assert events == [] and browser.get("/").text == "hello Alice"


def test_other_users_and_other_events_are_left_alone(browser: FlaskClient,
                                                     provider: FakeProvider) -> None:
    complete(browser, provider, start_login(browser))
    assert deliver(browser, openid="someone-else").status_code == 204
    assert deliver(browser, kind="order.paid").status_code == 204
    assert browser.get("/").text == "hello Alice"


def test_without_a_secret_the_callback_says_so(zc: zoneconnect.Client,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZONECONNECT_WEBHOOK_SECRET", raising=False)
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test")
    app.register_blueprint(create_blueprint(zc))
    response = app.test_client().post("/zoneconnect/deauthorized", data=b"{}")
    assert response.status_code == 503
    assert response.get_json() == {"error": "webhook_secret_missing"}


def test_memory_store_keeps_the_newest_and_is_bounded() -> None:
    store = MemoryDeauthorizations(limit=2)
    store.add("a", 10.0)
    store.add("a", 5.0)  # a late, older delivery does not move the moment back
    assert store.since("a") == 10.0
    store.add("b", 1.0)
    store.add("c", 1.0)
    assert store.since("a") is None and store.since("c") == 1.0

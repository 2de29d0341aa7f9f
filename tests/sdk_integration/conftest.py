"""The real platform on a loopback port, a live app, its users, and the SDK pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import zoneconnect
from flask import Flask

from gateway.apps import services as apps
from gateway.extensions import db
from tests.sdk_integration.live import FormBrowser, LiveServer, serve

# Never served: the tests stop at the redirect to it and read the code off its query.
REDIRECT_URI = "http://127.0.0.1:9/callback"
ALICE_PASSWORD = "alice-password"
SCOPES = ("openid", "get_user_info", "add_share", "pay")
# What the Demo Site's /community page asks for (groups and albums, issue 13).
COMMUNITY_SCOPES = ["get_group_list", "get_group_members", "list_album"]


@dataclass
class Platform:
    """What a developer has after registering an app on the running platform."""

    url: str
    appid: str
    appkey: str
    webhook_secret: str
    app_pk: int
    alice_id: int


@pytest.fixture
def app_config() -> dict[str, Any]:
    # A reused refresh token must fail at once, without the grace for lost responses.
    # The Demo Site's order callbacks go to loopback, allowed only when told (as `make run` does).
    return {"ZC_REFRESH_REUSE_GRACE": 0, "ZC_OUTBOUND_ALLOW_LOOPBACK": True}


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The platform app served on 127.0.0.1 by a thread."""
    with serve(app) as live:
        yield live


@pytest.fixture
def platform(app: Flask, live_server: LiveServer, factory: Any) -> Platform:
    """A live app with add_share and pay, owned by devon; alice, a user."""
    devon = factory.user("devon")
    alice = factory.user("alice", password=ALICE_PASSWORD, nickname="Alice",
                         city="Shenzhen", province="Guangdong", gender="female")
    registered, appkey = apps.create_app(devon, name="SDK Test Site", redirect_uris=[REDIRECT_URI],
                                         scopes=["add_share", "pay", *COMMUNITY_SCOPES],
                                         live=True)
    found = Platform(url=live_server.url, appid=registered.appid, appkey=appkey,
                     webhook_secret=registered.webhook_secret, app_pk=registered.id,
                     alice_id=alice.id)
    db.session.commit()  # visible to the server thread; no transaction left open
    return found


@pytest.fixture
def sdk(platform: Platform) -> Iterator[zoneconnect.Client]:
    """The blocking SDK client of the test app."""
    with zoneconnect.Client(app_id=platform.appid, app_key=platform.appkey,
                            base_url=platform.url, redirect_uri=REDIRECT_URI,
                            max_retries=0, timeout=15.0) as client:
        yield client


@pytest.fixture
def browser() -> Iterator[FormBrowser]:
    """Alice's browser (cookies kept between requests)."""
    person = FormBrowser(httpx.Client(timeout=15.0))
    yield person
    person.close()


def log_in_with_sdk(client: zoneconnect.Client, browser: FormBrowser,
                    scopes: tuple[str, ...] = SCOPES) -> zoneconnect.Token:
    """The whole code flow: authorize URL, login and consent pages, code exchange."""
    auth = client.authorization_url(scopes=scopes)
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    assert callback["state"] == auth.state, callback
    return client.exchange_code(callback["code"], code_verifier=auth.code_verifier)

"""The platform on a loopback port, an app registered on it, alice, and certified clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from flask import Flask

from gateway.apps import services as apps
from gateway.extensions import db
from tests.certified.harness import ALICE_PASSWORD, REDIRECT_URI, RelyingParty
from tests.certified.node import OpenIdClient, require_node
from tests.sdk_integration.live import FormBrowser, LiveServer, serve


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Reuse of a rotated refresh token fails at once; receivers of apps may listen on loopback.
    return {"ZC_REFRESH_REUSE_GRACE": 0, "ZC_OUTBOUND_ALLOW_LOOPBACK": True}


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The platform served on 127.0.0.1 by a thread; its URL is the issuer."""
    with serve(app) as live:
        yield live


@pytest.fixture
def relying_party(app: Flask, live_server: LiveServer, factory: Any) -> RelyingParty:
    """A live confidential (web) app of devon's with REDIRECT_URI; alice, a user with a profile."""
    devon = factory.user("devon")
    alice = factory.user("alice", password=ALICE_PASSWORD, nickname="Alice",
                         city="Shenzhen", province="Guangdong", gender="female")
    registered, appkey = apps.create_app(devon, name="Certified RP", redirect_uris=[REDIRECT_URI],
                                         live=True)
    found = RelyingParty(issuer=live_server.url, client_id=registered.appid or "",
                         client_secret=appkey, redirect_uri=REDIRECT_URI,
                         app_pk=registered.id, alice_id=alice.id)
    db.session.commit()  # visible to the server's threads
    return found


@pytest.fixture
def openid_client(relying_party: RelyingParty) -> Iterator[OpenIdClient]:
    """openid-client 6 configured for the app by discovery (client_secret_basic)."""
    client = OpenIdClient(require_node())
    try:
        client.call("discover", issuer=relying_party.issuer, client_id=relying_party.client_id,
                    client_secret=relying_party.client_secret, auth="client_secret_basic")
        yield client
    finally:
        client.close()


@pytest.fixture
def browser() -> Iterator[FormBrowser]:
    """Alice's browser (cookies kept between requests)."""
    person = FormBrowser(httpx.Client(timeout=15.0))
    yield person
    person.close()

"""`zoneconnect.AsyncClient` against the real platform on a loopback port."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
import zoneconnect

from gateway.extensions import db
from gateway.wallet.services import grant
from tests.sdk_integration.conftest import ALICE_PASSWORD, REDIRECT_URI, SCOPES


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine on a fresh event loop in its own thread (whatever this thread runs)."""
    failure: list[BaseException] = []

    def main() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    worker = threading.Thread(target=main)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the async scenario did not finish"
    if failure:
        raise failure[0]


def async_client(platform, http: httpx.AsyncClient) -> zoneconnect.AsyncClient:
    return zoneconnect.AsyncClient(app_id=platform.appid, app_key=platform.appkey,
                                   base_url=platform.url, redirect_uri=REDIRECT_URI,
                                   http_client=http, max_retries=0)


def test_async_login_api_refresh_revoke(platform, browser):
    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=15.0) as http, async_client(platform, http) as client:
            auth = await client.authorization_url(scopes=SCOPES)
            # The person's browser is not part of the SDK: a blocking call is fine here.
            callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
            token = await client.exchange_code(callback["code"], code_verifier=auth.code_verifier)
            claims = await client.verify_id_token(token.id_token or "", nonce=auth.nonce)
            assert claims.sub == token.openid and claims.iss == platform.url
            assert (await client.get_user_info(token)).nickname == "Alice"
            share = await client.shares.create(token, title="Async share",
                                               url="https://game.example/a")
            assert [s.id for s in (await client.shares.list(token)).data] == [share.id]
            await client.shares.delete(token, share.id)
            fresh = await client.refresh(token)
            assert fresh.refresh_token != token.refresh_token
            await client.revoke(fresh)
            with pytest.raises(zoneconnect.OAuthError) as refused:
                await client.refresh(fresh)
            assert refused.value.error == "invalid_grant"

    run(scenario)


def test_async_orders(platform, browser):
    grant(platform.alice_id, 100)
    db.session.commit()

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=15.0) as http, async_client(platform, http) as client:
            auth = await client.authorization_url(scopes=SCOPES)
            callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
            token = await client.exchange_code(callback["code"], code_verifier=auth.code_verifier)
            order = await client.orders.create(openid=token.openid or "", amount=30,
                                               item_id="bow", item_name="Bow")
            page = browser.get(order.confirm_url or "")
            browser.submit(page, button=("confirm", "yes"),
                           match=lambda f: ("confirm", "yes") in f.buttons)
            assert (await client.orders.retrieve(order.order_id)).status == "paid"
            assert (await client.orders.refund(order.order_id)).status == "refunded"

    run(scenario)

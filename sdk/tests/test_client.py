"""Client construction: options, environment fallbacks, lifecycle; async-only behaviour."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import FakeClock
from fakes import APP_ID, APP_KEY, BASE, OPENID, REDIRECT_URI, FakeProvider, s256

import zoneconnect
from zoneconnect import AsyncClient, Client, Token


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZONECONNECT_APP_ID", "ZONECONNECT_APP_KEY", "ZONECONNECT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch, cls: type[Any]) -> None:
    monkeypatch.setenv("ZONECONNECT_APP_ID", "101000009")
    monkeypatch.setenv("ZONECONNECT_APP_KEY", "K")
    monkeypatch.setenv("ZONECONNECT_BASE_URL", "https://zc.example/")
    client = cls()
    assert (client.app_id, client.base_url) == ("101000009", "https://zc.example")
    assert client._config.app_key == "K"
    explicit = cls(app_id="1", base_url="http://other")
    assert (explicit.app_id, explicit.base_url) == ("1", "http://other")


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_defaults(cls: type[Any]) -> None:
    client = cls(app_id=APP_ID)
    assert client.base_url == "http://127.0.0.1:8000"
    assert client.max_retries == 2
    assert client.timeout == httpx.Timeout(30.0, connect=5.0)
    assert client.redirect_uri is None


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_app_id_is_required(cls: type[Any]) -> None:
    with pytest.raises(zoneconnect.ZoneConnectError, match="ZONECONNECT_APP_ID"):
        cls()


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Client(APP_ID)  # type: ignore[call-arg]


def test_negative_max_retries() -> None:
    with pytest.raises(ValueError):
        Client(app_id=APP_ID, max_retries=-1)


def test_timeout_comes_from_an_injected_client_unless_given() -> None:
    http = httpx.Client(timeout=3.0)
    assert Client(app_id=APP_ID, http_client=http).timeout == httpx.Timeout(3.0)
    assert Client(app_id=APP_ID, http_client=http, timeout=9).timeout == httpx.Timeout(9)
    http.close()


def test_timeout_is_sent_with_each_request(provider: FakeProvider) -> None:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return provider.handler(request)

    with Client(app_id=APP_ID, base_url=BASE, timeout=7.0,
                http_client=httpx.Client(transport=httpx.MockTransport(handler))) as client:
        client.discover()
    assert seen[0]["read"] == 7.0


def test_context_manager_closes_its_own_client() -> None:
    with Client(app_id=APP_ID) as client:
        http = client._http
    assert http.is_closed


def test_injected_http_client_is_left_open() -> None:
    http = httpx.Client()
    with Client(app_id=APP_ID, http_client=http):
        pass
    assert not http.is_closed
    http.close()


@pytest.mark.anyio
async def test_async_context_manager_closes_its_own_client() -> None:
    async with AsyncClient(app_id=APP_ID) as client:
        http = client._http
    assert http.is_closed


@pytest.mark.anyio
async def test_async_login_and_awaited_refresh_hook(provider: FakeProvider,
                                                    clock: FakeClock) -> None:
    """A coroutine hook is awaited; a plain function hook is just called."""
    seen: list[Token] = []

    async def hook(token: Token) -> None:
        seen.append(token)

    http = httpx.AsyncClient(transport=provider.transport())
    async with AsyncClient(app_id=APP_ID, app_key=APP_KEY, redirect_uri=REDIRECT_URI,
                           base_url=BASE, http_client=http, on_token_refresh=hook,
                           _clock=clock, _sleep=clock.asleep) as client:
        auth = await client.authorization_url(scopes=["openid", "get_user_info"])
        code = provider.issue_code(s256(auth.code_verifier), scopes="openid get_user_info",
                                   nonce=auth.nonce)
        token = await client.exchange_code(code, code_verifier=auth.code_verifier)
        assert token.id_token is not None
        claims = await client.verify_id_token(token.id_token, nonce=auth.nonce)
        assert claims.sub == OPENID
        provider.access_tokens.clear()
        info = await client.get_user_info(token)
        assert info.nickname == "Alice" and len(seen) == 1
        client.on_token_refresh = seen.append
        provider.access_tokens.clear()
        await client.get_user_info(seen[0])
        assert len(seen) == 2
    await http.aclose()


def test_module_exports() -> None:
    for name in zoneconnect.__all__:
        assert hasattr(zoneconnect, name), name

"""Fixtures: a fake provider, a fake clock, and each test run against Client and AsyncClient."""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fakes import APP_ID, APP_KEY, BASE, NOW, REDIRECT_URI, FakeProvider, Keys
from joserfc.jwk import ECKey, RSAKey

import zoneconnect


class FakeClock:
    """A clock the tests move by hand; `sleep` advances it and records the delay."""

    def __init__(self, start: float = NOW) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Blocking:
    """Runs an AsyncClient (or one of its resources) as if it were blocking, on one event loop."""

    def __init__(self, target: Any, runner: asyncio.Runner) -> None:
        self._target = target
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *a, **k: self._runner.run(attr(*a, **k))
        if isinstance(attr, zoneconnect.resources.AsyncShares | zoneconnect.resources.AsyncOrders
                      | zoneconnect.resources.AsyncGroups | zoneconnect.resources.AsyncAlbums):
            return Blocking(attr, self._runner)
        if name == "with_options":
            return lambda **k: Blocking(attr(**k), self._runner)
        return attr

    def __enter__(self) -> Blocking:
        return self

    def __exit__(self, *exc: object) -> None:
        self._runner.run(self._target.close())


@pytest.fixture(scope="session")
def keys() -> Keys:
    """RSA and EC signing keys, generated once per run."""
    return Keys(rsa=RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}),
                ec=ECKey.generate_key("P-256", parameters={"kid": "ec-1"}),
                other_rsa=RSAKey.generate_key(2048, parameters={"kid": "rsa-2"}))


@pytest.fixture
def clock() -> FakeClock:
    """The fake clock shared by provider and client."""
    return FakeClock()


@pytest.fixture
def provider(keys: Keys, clock: FakeClock) -> FakeProvider:
    """A fresh fake provider."""
    return FakeProvider(keys=keys, clock=clock)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Run the test once with Client and once with AsyncClient."""
    return str(request.param)


@pytest.fixture
def refreshed() -> list[zoneconnect.Token]:
    """Tokens passed to on_token_refresh."""
    return []


@pytest.fixture
def make_client(
    kind: str, provider: FakeProvider, clock: FakeClock, refreshed: list[zoneconnect.Token]
) -> Iterator[Callable[..., Any]]:
    """Build a Client, or a blocking view of an AsyncClient, wired to the fake provider."""
    runner = asyncio.Runner()
    opened: list[Any] = []

    def build(**options: Any) -> Any:
        settings: dict[str, Any] = {
            "app_id": APP_ID, "app_key": APP_KEY, "redirect_uri": REDIRECT_URI,
            "base_url": BASE, "on_token_refresh": refreshed.append,
            "_clock": clock, "_rng": random.Random(7),
        }
        settings.update(options)
        if kind == "sync":
            http = httpx.Client(transport=provider.transport())
            client = zoneconnect.Client(http_client=http, _sleep=clock.sleep, **settings)
            opened.append(http.close)
            return client
        ahttp = httpx.AsyncClient(transport=provider.transport())
        aclient = zoneconnect.AsyncClient(http_client=ahttp, _sleep=clock.asleep, **settings)
        opened.append(lambda: runner.run(ahttp.aclose()))
        return Blocking(aclient, runner)

    yield build
    for close in opened:
        close()
    runner.close()


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    """A client with the default options."""
    return make_client()

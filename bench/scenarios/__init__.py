"""Scenarios: one module per endpoint, each exposing `SCENARIO`.

A scenario names the requests to drive (cycled, one after the other, by wrk's Lua or the Python
load generator) and may seed what it needs first. Add one by writing `bench/scenarios/<name>.py`
with a module-level `SCENARIO = Scenario(...)` and listing it with `--scenarios`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FLOOR = "floor"
DEFAULT_SCENARIOS = ("floor", "login_page", "get_user_info", "get_user_info_cold", "api_me",
                     "introspect", "refresh", "code_exchange")


@dataclass(frozen=True)
class Request:
    """One HTTP request of a scenario (path relative to the server's root)."""

    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def plain(self) -> bool:
        """A bare GET, which wrk can send without a script."""
        return self.method == "GET" and not self.headers and not self.body


@dataclass
class BenchContext:
    """What the harness seeded and where the server listens; scenarios read and extend it."""

    base_url: str
    database_url: str
    users: list[tuple[str, str]] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    appid: str = ""
    appkey: str = ""
    app_row_id: int = 0
    tokens: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A named load: `requests(ctx)` gives the requests, `expect` the statuses counted as ok."""

    name: str
    requests: Callable[[BenchContext], list[Request]]
    expect: frozenset[int] = frozenset({200})
    needs_tokens: bool = False
    # A hand-written wrk script (bench/lua/...) for flows a list of requests cannot express.
    lua_file: str | None = None
    setup: Callable[[BenchContext], None] | None = None


def load(name: str) -> Scenario:
    """The scenario of module bench.scenarios.<name>."""
    if not name.isidentifier():
        raise ValueError(f"bad scenario name: {name!r}")
    module = importlib.import_module(f"bench.scenarios.{name}")
    scenario: Scenario = module.SCENARIO
    return scenario

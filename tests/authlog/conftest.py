"""The OAuth fixtures (world, browser) for the auth event log's tests."""

from __future__ import annotations

from tests.oauth.conftest import browser, world  # noqa: F401  (fixtures)

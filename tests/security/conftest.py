"""The OAuth world (developer, user, web and native apps) and the page-driving browser."""

from __future__ import annotations

from tests.oauth.conftest import browser, world  # noqa: F401 - fixtures

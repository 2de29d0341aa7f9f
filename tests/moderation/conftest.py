"""The open API world (a developer, a user, a live app) for the holds' token tests."""

from __future__ import annotations

from tests.openapi.world import world  # noqa: F401

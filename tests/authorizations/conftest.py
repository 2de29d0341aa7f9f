"""Open API fixtures (world, app_config) shared from tests/openapi/world.py."""

from __future__ import annotations

from tests.openapi.world import app_config, world  # noqa: F401

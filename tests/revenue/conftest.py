"""Skip the real-concurrency tests unless they run on PostgreSQL."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres_only") and not os.environ.get(
            "TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")

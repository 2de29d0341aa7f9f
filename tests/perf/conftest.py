"""The fuzz world (a user, a live app with every scope, a token) serves the hot-path tests too."""

from __future__ import annotations

from tests.fuzz.conftest import fuzz_world  # noqa: F401

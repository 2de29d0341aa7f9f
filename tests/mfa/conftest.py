"""The OAuth tests' world (developer, user, apps) and discovery document, for the claims tests."""

from __future__ import annotations

from tests.oauth.conftest import world  # noqa: F401
from tests.oauth.test_oidc_flow import discovery  # noqa: F401

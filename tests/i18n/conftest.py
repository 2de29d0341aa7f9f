"""The OAuth fixtures (a developer, alice, live apps, a browser) for the language tests."""

from tests.oauth.conftest import browser, world  # noqa: F401

"""A world for open API tests: a developer, a user, a live app, tokens made by the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from gateway.apps.services import create_app
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from gateway.oauth import tokens

REDIRECT = "https://site.example/callback"
ALL_USER_SCOPES = ["get_user_info", "get_simple_userinfo", "add_share", "get_vip_info"]


@dataclass
class World:
    developer: Any
    user: Any
    app: Any
    appkey: str

    def token(self, scopes: list[str] | None = None, user: Any = None, app: Any = None) -> Any:
        """Consent to `scopes` and issue a token (like the OAuth flow does), committed."""
        scopes = ALL_USER_SCOPES if scopes is None else scopes
        user, app = user or self.user, app or self.app
        record_consent(user.id, app.id, scopes)
        issued = tokens.issue_tokens(app, user.id, scopes, grant_type="authorization_code")
        db.session.commit()
        return issued


@pytest.fixture
def app_config() -> dict[str, Any]:
    """No cached app facts between requests: tests suspend apps and change permissions."""
    return {"ZC_APP_CACHE_TTL": 0, "ZC_BASE_URL": "https://zc.example"}


@pytest.fixture
def world(factory: Any) -> World:
    developer = factory.user("devon", nickname="Devon")
    user = factory.user("alice", nickname="小明", gender="female", province="广东", city="深圳",
                        birth_year=1990)
    app, appkey = create_app(developer, name="Demo Site", redirect_uris=[REDIRECT],
                             scopes=["add_share", "get_vip_info"], live=True,
                             website="https://site.example/")
    db.session.commit()
    return World(developer, user, app, appkey)

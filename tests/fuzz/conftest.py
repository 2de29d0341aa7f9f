"""Fuzz fixtures: a user, a live app holding every scope, and a live token made by the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from gateway.apps import scopes as scope_registry
from gateway.apps.services import create_app
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from gateway.oauth import tokens

REDIRECT = "https://site.example/callback"


@pytest.fixture
def app_config() -> dict[str, Any]:
    """No throttling (a fuzz run sends hundreds of requests from one address) and no app facts
    cached across tests (each test's database reuses the same app ids)."""
    # Not RATELIMIT_ENABLED=False: Flask-Limiter keeps that on its global object, for every
    # app created after this one in the process. Limits out of reach instead.
    high = "1000000 per minute"
    return {"ZC_TOKEN_LIMIT_CLIENT": high, "ZC_TOKEN_LIMIT_ADDRESS": high,
            "ZC_API_RATE_LIMIT": high, "ZC_BASE_URL": "https://zc.example",
            "ZC_APP_CACHE_TTL": 0}


@dataclass
class FuzzWorld:
    """What a fuzzer may send as valid values, mixed with garbage."""

    developer: Any
    user: Any
    app: Any
    appid: str
    appkey: str
    openid: str
    access_token: str
    refresh_token: str
    code: str

    def values(self) -> list[str]:
        """The real identifiers, so some requests get past the first checks."""
        return [self.appid, self.appkey, self.openid, self.access_token, self.refresh_token,
                self.code, REDIRECT]


@pytest.fixture
def fuzz_world(factory: Any) -> FuzzWorld:
    """A developer's live app with every scope, a user who consented, a token and a code."""
    developer = factory.user("fuzzdev", nickname="Dev")
    user = factory.user("fuzzuser", nickname="小明", gender="female", birth_year=1990)
    app, appkey = create_app(developer, name="Fuzz Site", redirect_uris=[REDIRECT],
                             scopes=sorted(scope_registry.SCOPES), live=True)
    every = sorted(app.granted_scopes())
    record_consent(user.id, app.id, every)
    issued = tokens.issue_tokens(app, user.id, every, grant_type="authorization_code")
    code = tokens.issue_code(app, user.id, redirect_uri=REDIRECT, scopes=every)
    db.session.commit()
    assert issued.row.openid and issued.refresh_token
    return FuzzWorld(developer, user, app, app.appid, appkey, issued.row.openid,
                     issued.access_token, issued.refresh_token, code)

"""The SDK's pushed_authorization_url against the real platform: the request is pushed with the
appkey (RFC 9126), the browser carries only client_id and request_uri, the code exchange and
id_token verification work as after a plain request, also for an app that requires PAR."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import zoneconnect

from gateway.apps.models import App
from gateway.extensions import db
from tests.sdk_integration.conftest import ALICE_PASSWORD, REDIRECT_URI, SCOPES, Platform
from tests.sdk_integration.live import FormBrowser


def test_pushed_login(sdk: zoneconnect.Client, browser: FormBrowser, platform: Platform) -> None:
    app = db.session.get(App, platform.app_pk)
    assert app is not None
    app.require_par = True
    db.session.commit()
    auth = sdk.pushed_authorization_url(scopes=SCOPES)
    assert set(parse_qs(urlsplit(auth.url).query)) == {"client_id", "request_uri"}
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    assert callback["state"] == auth.state
    token = sdk.exchange_code(callback["code"], code_verifier=auth.code_verifier)
    claims = sdk.verify_id_token(token.id_token or "", nonce=auth.nonce)
    assert claims.aud == platform.appid
    # A plain request of this app is refused on its redirect URI.
    plain = sdk.authorization_url(scopes=SCOPES)
    refused = browser.authorize(plain.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    assert refused["error"] == "invalid_request"


def test_pushing_an_unpermitted_scope_raises(sdk: zoneconnect.Client) -> None:
    with pytest.raises(zoneconnect.OAuthError) as refused:
        sdk.pushed_authorization_url(scopes=["openid", "get_vip_info"])
    assert refused.value.error == "invalid_scope"

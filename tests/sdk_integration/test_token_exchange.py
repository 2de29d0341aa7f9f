"""The SDK's `exchange_token` (RFC 8693) against the real platform on a loopback port: a token
of the SDK's app becomes a narrower token of the developer's other app, usable with that app's
own client; a refusal arrives as OAuthError with the server's code."""

from __future__ import annotations

import pytest
import zoneconnect

from gateway.accounts.models import User
from gateway.apps import services as apps
from gateway.apps.models import App
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from tests.sdk_integration.conftest import ALICE_PASSWORD, REDIRECT_URI


def test_sdk_exchanges_for_the_sibling_app(sdk, platform, browser):
    site = db.session.get(App, platform.app_pk)
    site.token_exchange_enabled = True
    other, other_key = apps.create_app(db.session.get(User, site.developer_id), name="Sibling",
                                       redirect_uris=[REDIRECT_URI], live=True)
    other.token_exchange_enabled = True
    record_consent(platform.alice_id, other.id, ["get_user_info"])
    db.session.commit()
    auth = sdk.authorization_url(scopes=("get_user_info", "add_share"))
    callback = browser.authorize(auth.url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    token = sdk.exchange_code(callback["code"], code_verifier=auth.code_verifier)

    exchanged = sdk.exchange_token(token, audience=other.appid or "")
    assert exchanged.scopes == ("get_user_info",) and exchanged.refresh_token is None
    assert exchanged.expires_at is not None and not exchanged.expired
    with zoneconnect.Client(app_id=other.appid, app_key=other_key, base_url=platform.url,
                            max_retries=0, timeout=15.0) as sibling:
        assert sibling.get_user_info(exchanged).nickname == "Alice"

    with pytest.raises(zoneconnect.OAuthError) as wider:
        sdk.exchange_token(token, audience=other.appid or "", scopes=["add_share"])
    assert wider.value.error == "invalid_scope"
    with pytest.raises(zoneconnect.OAuthError) as self_target:
        sdk.exchange_token(token, audience=platform.appid)
    assert self_target.value.error == "invalid_target"

"""How the real platform's refusals reach SDK users: rate limits, request ids, bad tokens."""

from __future__ import annotations

from typing import Any

import pytest
import zoneconnect

from tests.sdk_integration.conftest import log_in_with_sdk


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_REFRESH_REUSE_GRACE": 0, "ZC_TOKEN_LIMIT_CLIENT": "3 per minute",
            "ZC_OUTBOUND_ALLOW_LOOPBACK": True}


def test_token_endpoint_rate_limit_is_a_rate_limit_error(sdk, browser):
    token = log_in_with_sdk(sdk, browser)  # the first token request of this client
    token = sdk.refresh(token)
    token = sdk.refresh(token)
    with pytest.raises(zoneconnect.RateLimitError) as limited:
        sdk.refresh(token)
    error = limited.value
    assert error.status_code == 429
    assert error.retry_after is not None and 0 < error.retry_after <= 60
    assert error.request_id  # from the body or X-Request-ID, to quote to the platform team


def test_a_garbage_access_token_is_an_authentication_error(sdk, browser):
    token = log_in_with_sdk(sdk, browser)
    forged = zoneconnect.Token(access_token="F" * 32, token_type="Bearer", refresh_token=None,
                               expires_at=None, scopes=token.scopes, openid=token.openid,
                               unionid=None, id_token=None)
    with pytest.raises(zoneconnect.AuthenticationError) as refused:
        sdk.get_user_info(forged)
    assert refused.value.code == "invalid_token" and refused.value.ret is not None


def test_a_revoked_grant_is_reauthorization_required(sdk, browser, platform):
    """Alice removes the app at /account/apps: one `except AuthenticationError` sees it."""
    token = log_in_with_sdk(sdk, browser)
    assert sdk.get_user_info(token).nickname == "Alice"
    page = browser.get(platform.url + "/account/apps")
    confirm = browser.submit(page, match=lambda f: (f.action or "").endswith(
        f"/account/apps/{platform.appid}/revoke"))
    done = browser.submit(confirm, button=("confirm", "yes"),
                          match=lambda f: ("confirm", "yes") in f.buttons)
    assert done.status_code in (302, 303)
    with pytest.raises(zoneconnect.AuthenticationError) as refused:
        sdk.get_user_info(token)
    assert isinstance(refused.value, zoneconnect.ReauthorizationRequired)
    assert refused.value.error == "invalid_grant"

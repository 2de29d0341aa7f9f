"""The SDK's DPoP (RFC 9449) against the real provider on a loopback socket: the code bound at
authorize, the nonce the token endpoint asks for, proofs on API calls and refreshes, and what a
thief holding the token but not the key gets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import zoneconnect

from tests.sdk_integration.conftest import REDIRECT_URI, Platform, log_in_with_sdk
from tests.sdk_integration.live import FormBrowser
from tests.sdk_integration.test_login_flow import introspect


def _client(platform: Platform, **options: Any) -> zoneconnect.Client:
    return zoneconnect.Client(app_id=platform.appid, app_key=platform.appkey,
                              base_url=platform.url, redirect_uri=REDIRECT_URI, max_retries=0,
                              timeout=15.0, **options)


@pytest.fixture
def answers() -> list[httpx.Response]:
    return []


@pytest.fixture
def dpop_sdk(platform: Platform, answers: list[httpx.Response]) -> Iterator[zoneconnect.Client]:
    """An SDK client with a DPoP key, recording every answer it gets."""
    http = httpx.Client(timeout=15.0, event_hooks={"response": [answers.append]})
    with _client(platform, dpop=True, http_client=http) as client:
        yield client
    http.close()


def test_the_sdk_binds_its_tokens_and_proves_the_key_on_every_call(
        dpop_sdk: zoneconnect.Client, platform: Platform, browser: FormBrowser,
        answers: list[httpx.Response]) -> None:
    token = log_in_with_sdk(dpop_sdk, browser)
    key = dpop_sdk.dpop_key
    assert key is not None and token.token_type == "DPoP"
    # The token endpoint asked for its nonce first; the SDK retried once with it.
    token_answers = [a for a in answers if a.request.url.path == "/oauth2/token"]
    assert [a.status_code for a in token_answers] == [400, 200]
    assert token_answers[0].json()["error"] == "use_dpop_nonce"
    assert introspect(platform, token.access_token)["cnf"] == {"jkt": key.thumbprint}
    assert dpop_sdk.get_user_info(token).nickname == "Alice"
    fresh = dpop_sdk.refresh(token)
    assert fresh.token_type == "DPoP"
    assert introspect(platform, fresh.access_token)["cnf"] == {"jkt": key.thumbprint}
    assert dpop_sdk.get_user_info(fresh).openid == token.openid

    # The stolen token without the key: as Bearer, or with another key's proofs.
    with _client(platform) as plain:
        with pytest.raises(zoneconnect.AuthenticationError) as as_bearer:
            plain.get_user_info(zoneconnect.Token(access_token=fresh.access_token))
        assert as_bearer.value.code == "invalid_token"
    with _client(platform, dpop=True) as other:
        with pytest.raises(zoneconnect.AuthenticationError) as other_key:
            other.get_user_info(fresh)
        assert other_key.value.code == "invalid_dpop_proof"
        # The app itself (it holds the secret: a confidential client) may move to a new key
        # on refresh (RFC 9449 §5); the new pair is bound to the new key.
        moved = other.refresh(fresh)
        assert other.dpop_key is not None
        assert introspect(platform, moved.access_token)["cnf"] == {
            "jkt": other.dpop_key.thumbprint}
        assert other.get_user_info(moved).openid == token.openid


def test_a_saved_key_keeps_working_after_a_restart(platform: Platform,
                                                   browser: FormBrowser) -> None:
    with _client(platform, dpop=True) as first:
        token = log_in_with_sdk(first, browser)
        saved = first.dpop_key.to_jwk() if first.dpop_key else {}
    with _client(platform, dpop=zoneconnect.DPoPKey.from_jwk(saved)) as restarted:
        assert restarted.get_user_info(token).nickname == "Alice"


@pytest.mark.parametrize("app_config", [{"ZC_REFRESH_REUSE_GRACE": 0,
                                         "ZC_DPOP_NONCE": "all"}])
def test_resource_nonces_are_retried_by_the_sdk(dpop_sdk: zoneconnect.Client,
                                                browser: FormBrowser,
                                                answers: list[httpx.Response]) -> None:
    token = log_in_with_sdk(dpop_sdk, browser)
    answers.clear()
    assert dpop_sdk.get_user_info(token).nickname == "Alice"
    # The token endpoint's nonce serves the API too (one server): no retry was needed.
    assert [a.status_code for a in answers] == [200]
    assert answers[0].headers["DPoP-Nonce"]

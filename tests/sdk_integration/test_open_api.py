"""The SDK's user API against the real open API: profile, shares, transparent refresh."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest
import zoneconnect

from tests.sdk_integration.conftest import REDIRECT_URI, log_in_with_sdk


def test_get_user_info_reads_the_profile(sdk, platform, browser):
    token = log_in_with_sdk(sdk, browser)
    info = sdk.get_user_info(token)
    assert info.openid == token.openid and info.nickname == "Alice"
    assert info.gender == "female" and info.city == "Shenzhen"
    assert info.unionid is None  # the app has no unionid permission
    assert info.avatar and info.avatar.startswith(platform.url)
    picture = httpx.get(info.avatar, timeout=15.0)
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/")


def test_share_create_list_delete(sdk, browser):
    token = log_in_with_sdk(sdk, browser)
    first = sdk.shares.create(token, title="I beat level 3", url="https://game.example/l/3",
                              summary="Level three", comment="Hard one",
                              images=["https://game.example/3.png"], site="Game")
    assert first.id and first.title == "I beat level 3" and first.created_at is not None
    assert first.images == ("https://game.example/3.png",)
    second = sdk.shares.create(token, title="Level 4", url="https://game.example/l/4")
    page = sdk.shares.list(token, limit=1)
    assert [s.id for s in page.data] == [second.id] and page.has_more
    older = sdk.shares.list(token, before=page.next_before)
    assert [s.id for s in older.data] == [first.id] and not older.has_more
    sdk.shares.delete(token, first.id)
    assert [s.id for s in sdk.shares.list(token).data] == [second.id]
    with pytest.raises(zoneconnect.NotFoundError):
        sdk.shares.delete(token, first.id)


def test_share_validation_is_a_bad_request(sdk, browser):
    token = log_in_with_sdk(sdk, browser)
    with pytest.raises(zoneconnect.BadRequestError) as invalid:
        sdk.shares.create(token, title="", url="not a url")
    assert invalid.value.status_code in (400, 422)


def test_missing_scope_is_permission_denied(sdk, browser):
    token = log_in_with_sdk(sdk, browser, scopes=("openid", "get_user_info"))
    with pytest.raises(zoneconnect.PermissionDeniedError) as denied:
        sdk.shares.create(token, title="Nope", url="https://game.example/")
    assert denied.value.code == "insufficient_scope" and denied.value.ret == 100030
    assert re.fullmatch(r"[0-9a-f]{16,}", denied.value.request_id or "")


def test_expired_token_is_refreshed_transparently(platform, browser):
    saved: list[zoneconnect.Token] = []
    with zoneconnect.Client(app_id=platform.appid, app_key=platform.appkey,
                            base_url=platform.url, redirect_uri=REDIRECT_URI, max_retries=0,
                            on_token_refresh=saved.append) as client:
        token = log_in_with_sdk(client, browser)
        stale = dataclasses.replace(token, expires_at=1)
        assert client.get_user_info(stale).nickname == "Alice"
        assert len(saved) == 1 and saved[0].access_token != token.access_token
        # The same stale token again: the client reuses the new token, not the spent refresh.
        assert client.get_user_info(stale).openid == token.openid
        assert len(saved) == 2 and saved[1].access_token == saved[0].access_token


def test_revoked_token_is_refused_by_the_api(sdk, browser):
    token = log_in_with_sdk(sdk, browser)
    sdk.revoke(token)
    plain = dataclasses.replace(token, refresh_token=None)
    with pytest.raises(zoneconnect.AuthenticationError) as refused:
        sdk.get_user_info(plain)
    assert refused.value.status_code == 401 and refused.value.code == "invalid_token"

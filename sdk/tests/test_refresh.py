"""Transparent refresh: expired or rejected tokens are refreshed once and the hook is told."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import FakeClock
from fakes import OPENID, FakeProvider, error

from zoneconnect import AuthenticationError, OAuthError, ReauthorizationRequired, Token

ME = "/api/v1/me"


@pytest.fixture
def token(client: Any, provider: FakeProvider, clock: FakeClock) -> Token:
    """A token the provider knows, with a refresh token."""
    provider.access_tokens.add("A" * 32)
    provider.refresh_tokens["R" * 32] = OPENID
    return Token(access_token="A" * 32, refresh_token="R" * 32, openid=OPENID,
                 expires_at=int(clock.now) + 3600, scopes=("get_user_info",))


def _bearers(provider: FakeProvider) -> list[str]:
    return [r.headers["authorization"][7:] for r in provider.requests if r.url.path == ME]


def test_401_invalid_token_refreshes_and_retries(client: Any, provider: FakeProvider,
                                                  token: Token,
                                                  refreshed: list[Token]) -> None:
    provider.access_tokens.clear()  # revoked or expired on the server
    info = client.get_user_info(token)
    assert info.nickname == "Alice"
    assert len(refreshed) == 1
    new = refreshed[0]
    assert new.access_token != token.access_token and new.openid == OPENID
    assert _bearers(provider) == [token.access_token, new.access_token]
    assert token.access_token == "A" * 32  # the caller's Token is not mutated


def test_expired_token_is_refreshed_before_the_call(client: Any, provider: FakeProvider,
                                                    token: Token, clock: FakeClock,
                                                    refreshed: list[Token]) -> None:
    clock.now += 3600
    client.get_user_info(token)
    assert len(refreshed) == 1
    assert _bearers(provider) == [refreshed[0].access_token]


def test_a_stale_token_is_refreshed_only_once(client: Any, provider: FakeProvider,
                                              token: Token, refreshed: list[Token]) -> None:
    """Refresh tokens are single-use: a second call with the old Token reuses the new one."""
    provider.access_tokens.clear()
    client.get_user_info(token)
    client.get_user_info(token)
    assert provider.count("POST", "/oauth2/token") == 1
    assert refreshed == [refreshed[0], refreshed[0]]  # the hook hears about it again


def test_without_refresh_token_the_401_is_raised(client: Any, provider: FakeProvider,
                                                 refreshed: list[Token]) -> None:
    with pytest.raises(AuthenticationError) as info:
        client.get_user_info(Token(access_token="B" * 32))
    assert info.value.code == "invalid_token" and info.value.ret == 100013
    assert refreshed == [] and provider.count("POST", "/oauth2/token") == 0


def test_refresh_happens_at_most_once_per_call(client: Any, provider: FakeProvider,
                                               token: Token) -> None:
    provider.access_tokens.clear()
    provider.push("GET", ME, error(401, "invalid_token"), error(401, "invalid_token"))
    with pytest.raises(AuthenticationError):
        client.get_user_info(token)
    assert provider.count("GET", ME) == 2 and provider.count("POST", "/oauth2/token") == 1


def test_a_failed_refresh_raises_oauth_error(client: Any, provider: FakeProvider, token: Token,
                                             refreshed: list[Token]) -> None:
    provider.access_tokens.clear()
    provider.refresh_tokens.clear()
    with pytest.raises(OAuthError) as info:
        client.get_user_info(token)
    assert info.value.error == "invalid_grant" and refreshed == []


@pytest.mark.parametrize("path", ["401", "expired"])
def test_a_revoked_grant_is_an_authentication_error(client: Any, provider: FakeProvider,
                                                    token: Token, clock: FakeClock,
                                                    refreshed: list[Token], path: str) -> None:
    """The user revoked the app: one `except AuthenticationError` sends them to log in again."""
    provider.refresh_tokens.clear()
    if path == "401":
        provider.access_tokens.clear()
    else:
        clock.now += 3600
    with pytest.raises(AuthenticationError) as info:
        client.get_user_info(token)
    assert type(info.value) is ReauthorizationRequired
    assert isinstance(info.value, OAuthError)  # code catching OAuthError keeps working
    assert info.value.error == "invalid_grant" and info.value.ret == 100036
    assert info.value.status_code == 400 and refreshed == []
    assert isinstance(info.value.__cause__, OAuthError)


def test_other_refresh_errors_stay_oauth_errors(client: Any, provider: FakeProvider,
                                                token: Token) -> None:
    provider.access_tokens.clear()
    provider.push("POST", "/oauth2/token", error(401, "invalid_client"))
    with pytest.raises(OAuthError) as info:
        client.get_user_info(token)
    assert not isinstance(info.value, AuthenticationError)
    assert info.value.error == "invalid_client"


def test_an_explicit_refresh_raises_plain_oauth_error(client: Any, provider: FakeProvider,
                                                      token: Token) -> None:
    provider.refresh_tokens.clear()
    with pytest.raises(OAuthError) as info:
        client.refresh(token)
    assert type(info.value) is OAuthError and info.value.error == "invalid_grant"


def test_other_401s_do_not_refresh(client: Any, provider: FakeProvider, token: Token) -> None:
    provider.push("GET", ME, error(401, "invalid_client"))
    with pytest.raises(AuthenticationError):
        client.get_user_info(token)
    assert provider.count("POST", "/oauth2/token") == 0


def test_resources_refresh_too(client: Any, provider: FakeProvider, token: Token,
                               refreshed: list[Token]) -> None:
    provider.access_tokens.clear()
    share = client.shares.create(token, title="Hi", url="https://app.example/p/1")
    assert share.title == "Hi" and len(refreshed) == 1


def test_explicit_refresh_does_not_call_the_hook(client: Any, token: Token,
                                                 refreshed: list[Token]) -> None:
    client.refresh(token)
    assert refreshed == []


def test_an_expired_refresh_result_is_refreshed_in_turn(client: Any, provider: FakeProvider,
                                                         token: Token, clock: FakeClock,
                                                         refreshed: list[Token]) -> None:
    provider.access_tokens.clear()
    client.get_user_info(token)
    first = refreshed[-1]
    clock.now += 7776000  # the refreshed token has expired too
    client.get_user_info(token)
    second = refreshed[-1]
    assert second.access_token != first.access_token
    last_form = provider.requests[-2].content.decode()
    assert f"refresh_token={first.refresh_token}" in last_form
    assert provider.count("POST", "/oauth2/token") == 2


def test_a_server_that_does_not_rotate_refresh_tokens(client: Any, provider: FakeProvider,
                                                      token: Token, clock: FakeClock,
                                                      refreshed: list[Token]) -> None:
    def keep_refresh_token(request: Any) -> Any:
        provider.access_tokens.add("N" * 32)
        return httpx.Response(200, json={"access_token": "N" * 32, "expires_in": 60})

    provider.access_tokens.clear()
    provider.push("POST", "/oauth2/token", keep_refresh_token)
    client.get_user_info(token)
    assert refreshed[-1].refresh_token == token.refresh_token
    assert refreshed[-1].access_token == "N" * 32
    clock.now += 120
    client.get_user_info(token)  # the remembered token expired: refresh it (same R) again
    assert provider.count("POST", "/oauth2/token") == 2

"""Token endpoint: code exchange, refresh, revocation and the Token model."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from conftest import FakeClock
from fakes import APP_ID, APP_KEY, OPENID, REDIRECT_URI, UNIONID, FakeProvider, error, s256

import zoneconnect
from zoneconnect import OAuthError, Token


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def _login(client: Any, provider: FakeProvider, scopes: str = "openid get_user_info") -> Token:
    auth = client.authorization_url(scopes=scopes.split())
    code = provider.issue_code(s256(auth.code_verifier), scopes=scopes, nonce=auth.nonce)
    token: Token = client.exchange_code(code, code_verifier=auth.code_verifier)
    return token


def test_exchange_code(client: Any, provider: FakeProvider, clock: FakeClock) -> None:
    token = _login(client, provider)
    request = provider.requests[-1]
    assert request.method == "POST" and request.url.path == "/oauth2/token"
    basic = base64.b64encode(f"{APP_ID}:{APP_KEY}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {basic}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = _form(request)
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == REDIRECT_URI
    assert "client_id" not in form and "client_secret" not in form
    assert token.token_type == "Bearer"
    assert token.expires_at == int(clock.now) + 7776000  # expires_in is an int here
    assert token.scopes == ("openid", "get_user_info")
    assert (token.openid, token.unionid) == (OPENID, UNIONID)
    assert token.id_token and token.refresh_token
    assert not token.expired


def test_public_client_sends_client_id(make_client: Any, provider: FakeProvider) -> None:
    client = make_client(app_key=None)
    _login(client, provider)
    request = provider.requests[-1]
    assert "authorization" not in request.headers
    assert _form(request)["client_id"] == APP_ID


def test_wrong_verifier_is_an_oauth_error(client: Any, provider: FakeProvider) -> None:
    auth = client.authorization_url()
    code = provider.issue_code(s256(auth.code_verifier))
    with pytest.raises(OAuthError) as info:
        client.exchange_code(code, code_verifier="x" * 43)
    assert info.value.error == "invalid_grant"
    assert info.value.error_description == "PKCE verification failed"
    assert info.value.status_code == 400
    assert info.value.request_id == "req-1"


def test_invalid_client_is_an_oauth_error_with_401(make_client: Any,
                                                    provider: FakeProvider) -> None:
    client = make_client(app_key="WRONG")
    with pytest.raises(OAuthError) as info:
        client.exchange_code("C" * 32, code_verifier="v" * 43)
    assert (info.value.status_code, info.value.error) == (401, "invalid_client")


def test_refresh_rotates_and_keeps_identity(client: Any, provider: FakeProvider) -> None:
    token = _login(client, provider)
    new = client.refresh(token)
    assert new.access_token != token.access_token
    assert new.refresh_token != token.refresh_token
    assert (new.openid, new.unionid) == (OPENID, UNIONID)
    form = _form(provider.requests[-1])
    assert form == {"grant_type": "refresh_token", "refresh_token": token.refresh_token}
    with pytest.raises(OAuthError, match="invalid_grant"):
        client.refresh(token)  # refresh tokens are single-use


def test_refresh_can_narrow_scopes(client: Any, provider: FakeProvider) -> None:
    token = _login(client, provider)
    client.refresh(token.refresh_token, scopes=["get_user_info"])
    assert _form(provider.requests[-1])["scope"] == "get_user_info"


def test_refresh_without_refresh_token(client: Any) -> None:
    with pytest.raises(zoneconnect.ZoneConnectError, match="no refresh_token"):
        client.refresh(Token(access_token="A"))


def test_revoke_revokes_refresh_then_access_token(client: Any, provider: FakeProvider) -> None:
    token = _login(client, provider)
    client.revoke(token)
    forms = [_form(r) for r in provider.requests if r.url.path == "/oauth2/revoke"]
    assert forms == [
        {"token": token.refresh_token, "token_type_hint": "refresh_token"},
        {"token": token.access_token, "token_type_hint": "access_token"},
    ]
    assert token.access_token not in provider.access_tokens


def test_revoke_error(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/oauth2/revoke", error(400, "unsupported_token_type"))
    with pytest.raises(OAuthError, match="unsupported_token_type"):
        client.revoke("A" * 32)


def test_token_response_with_string_expires_in(client: Any, provider: FakeProvider,
                                               clock: FakeClock) -> None:
    provider.push("POST", "/oauth2/token", httpx.Response(200, json={
        "access_token": "A" * 32, "expires_in": "3600", "refresh_token": "R" * 32}))
    token = client.exchange_code("C" * 32, code_verifier="v" * 43)
    assert token.expires_at == int(clock.now) + 3600
    assert token.token_type == "Bearer" and token.scopes == ()


def test_token_response_that_is_not_json(client: Any, provider: FakeProvider) -> None:
    provider.push("POST", "/oauth2/token", httpx.Response(200, text="access_token=A&x=1"))
    with pytest.raises(zoneconnect.APIResponseValidationError):
        client.exchange_code("C" * 32, code_verifier="v" * 43)


def test_token_expiry_has_a_leeway() -> None:
    token = Token(access_token="A", expires_at=1000)
    assert not token.is_expired(now=969)
    assert token.is_expired(now=970)
    assert token.is_expired(now=2000)
    assert not Token(access_token="A").is_expired(now=10**12)
    assert Token(access_token="A", expires_at=1).expired


def test_token_round_trips_through_a_dict() -> None:
    token = Token(access_token="A", refresh_token="R", expires_at=5, scopes=("a", "b"),
                  openid="O", unionid="U", id_token="I")
    assert Token.from_dict(token.to_dict()) == token


def test_token_repr_hides_secrets() -> None:
    text = repr(Token(access_token="SECRET1", refresh_token="SECRET2", openid="O"))
    assert "SECRET" not in text and "O" in text

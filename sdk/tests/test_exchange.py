"""Token exchange (RFC 8693): `exchange_token` sends the grant's exact form, returns a typed
Token, and reports refusals as OAuthError with the server's code."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import pytest
from conftest import FakeClock
from fakes import APP_ID, APP_KEY, SIBLING_APP_ID, FakeProvider

import zoneconnect
from zoneconnect import OAuthError, Token

ACCESS = "urn:ietf:params:oauth:token-type:access_token"


def _form(provider: FakeProvider) -> dict[str, str]:
    request = [r for r in provider.requests if r.url.path == "/oauth2/token"][-1]
    basic = base64.b64encode(f"{APP_ID}:{APP_KEY}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {basic}"
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_exchange_sends_the_rfc8693_form_and_returns_a_token(
        client: Any, provider: FakeProvider, clock: FakeClock) -> None:
    provider.access_tokens.add("A" * 32)
    user_token = Token(access_token="A" * 32, openid="O" * 32)
    token = client.exchange_token(user_token, audience=SIBLING_APP_ID,
                                  scopes=["get_user_info"])
    assert isinstance(token, Token)
    assert token.access_token in provider.access_tokens and token.refresh_token is None
    assert token.scopes == ("get_user_info",) and token.expires_at == int(clock.now) + 600
    assert _form(provider) == {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": "A" * 32, "subject_token_type": ACCESS, "audience": SIBLING_APP_ID,
        "requested_token_type": ACCESS, "scope": "get_user_info"}


def test_delegation_sends_the_actor_token(client: Any, provider: FakeProvider) -> None:
    provider.access_tokens.add("A" * 32)
    client.exchange_token("A" * 32, audience=SIBLING_APP_ID, actor=Token(access_token="C" * 32))
    form = _form(provider)
    assert form["actor_token"] == "C" * 32 and form["actor_token_type"] == ACCESS
    assert "scope" not in form


def test_refusals_are_oauth_errors_with_the_code(client: Any, provider: FakeProvider) -> None:
    provider.access_tokens.add("A" * 32)
    with pytest.raises(OAuthError) as target:
        client.exchange_token("A" * 32, audience="101999999")
    assert target.value.error == "invalid_target" and target.value.status_code == 400
    with pytest.raises(OAuthError) as subject:
        client.exchange_token("B" * 32, audience=SIBLING_APP_ID)
    assert subject.value.error == "invalid_request"


def test_a_public_client_cannot_exchange(make_client: Any, provider: FakeProvider) -> None:
    public = make_client(app_key=None)
    with pytest.raises(ValueError, match="app's key"):
        public.exchange_token("A" * 32, audience=SIBLING_APP_ID)
    with pytest.raises(ValueError, match="audience"):
        make_client().exchange_token("A" * 32, audience="")
    assert provider.count("POST", "/oauth2/token") == 0
    assert zoneconnect.Client.exchange_token.__doc__

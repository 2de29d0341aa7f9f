"""DPoP (RFC 9449): a key per client, a fresh proof on every token and API call (refresh
included), the server's nonce retried once; proofs checked here independently of the SDK."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fakes import BASE, OPENID, FakeProvider, error, hex32, s256
from joserfc import jws
from joserfc.jwk import ECKey

import zoneconnect

Seen = list[dict[str, Any]]


def verified(request: httpx.Request, *, token: str | None = None) -> dict[str, Any]:
    """The proof's claims, after checking it as a server would (signature, htm, htu, ath)."""
    proof = request.headers["dpop"]
    header = jws.extract_compact(proof.encode()).headers()
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert "d" not in header["jwk"]
    key = ECKey.import_key(header["jwk"])
    claims: dict[str, Any] = json.loads(
        jws.deserialize_compact(proof, key, algorithms=["ES256"]).payload)
    url = urlsplit(str(request.url))
    assert claims["htm"] == request.method
    assert claims["htu"] == f"{url.scheme}://{url.netloc}{url.path}"
    if token is not None:
        digest = hashlib.sha256(token.encode()).digest()
        assert claims["ath"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    claims["jkt"] = key.thumbprint()
    return claims


def asks_nonce(nonce: str, seen: Seen, *, resource: bool = False) -> Callable[..., Any]:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(verified(request))
        if resource:
            return httpx.Response(401, json={"error": "use_dpop_nonce"}, headers={
                "WWW-Authenticate": 'DPoP algs="ES256", error="use_dpop_nonce"',
                "DPoP-Nonce": nonce})
        return httpx.Response(400, json={"error": "use_dpop_nonce"},
                              headers={"DPoP-Nonce": nonce})
    return answer


def issues(nonce: str, seen: Seen, tokens: list[str]) -> Callable[..., Any]:
    def answer(request: httpx.Request) -> httpx.Response:
        claims = verified(request)
        assert claims.get("nonce") == nonce
        seen.append(claims)
        access = hex32()
        tokens.append(access)
        return httpx.Response(200, json={
            "access_token": access, "token_type": "DPoP", "expires_in": 3600,
            "refresh_token": hex32(), "scope": "get_user_info", "openid": OPENID})
    return answer


def profile(nonce: str, seen: Seen, tokens: list[str]) -> Callable[..., Any]:
    def answer(request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"]
        assert auth == f"DPoP {tokens[-1]}"
        claims = verified(request, token=tokens[-1])
        assert claims.get("nonce") == nonce
        seen.append(claims)
        return httpx.Response(200, json={"openid": OPENID, "nickname": "Alice",
                                         "avatars": {}})
    return answer


def _login(client: Any, provider: FakeProvider) -> zoneconnect.Token:
    auth = client.authorization_url()
    code = provider.issue_code(s256(auth.code_verifier))
    token: zoneconnect.Token = client.exchange_code(code, code_verifier=auth.code_verifier)
    return token


def test_every_call_carries_a_fresh_proof_and_nonces_are_retried_once(
        make_client: Callable[..., Any], provider: FakeProvider) -> None:
    client = make_client(dpop=True)
    key = client.dpop_key
    assert isinstance(key, zoneconnect.DPoPKey)
    seen: Seen = []
    tokens: list[str] = []
    # One origin, one nonce: the API's newer nonce goes with the refresh too.
    provider.push("POST", "/oauth2/token", asks_nonce("n1", seen), issues("n1", seen, tokens),
                  issues("n2", seen, tokens))
    provider.push("GET", "/api/v1/me", asks_nonce("n2", seen, resource=True),
                  profile("n2", seen, tokens), profile("n2", seen, tokens))
    auth = client.authorization_url()
    assert parse_qs(urlsplit(auth.url).query)["dpop_jkt"] == [key.thumbprint]
    token = _login(client, provider)
    assert token.token_type == "DPoP"
    assert client.get_user_info(token).openid == OPENID
    fresh = client.refresh(token)  # the refresh carries a proof too (with the nonce it has)
    assert client.get_user_info(fresh).nickname == "Alice"
    assert len(seen) == 6
    assert {claims["jkt"] for claims in seen} == {key.thumbprint}
    assert len({claims["jti"] for claims in seen}) == 6  # never the same proof twice
    assert provider.count("POST", "/oauth2/token") == 3
    assert provider.count("GET", "/api/v1/me") == 3


def test_a_nonce_is_retried_once_not_forever(make_client: Callable[..., Any],
                                             provider: FakeProvider) -> None:
    client = make_client(dpop=True)
    seen: Seen = []
    provider.push("POST", "/oauth2/token", asks_nonce("n1", seen), asks_nonce("n2", seen))
    with pytest.raises(zoneconnect.OAuthError) as refused:
        _login(client, provider)
    assert refused.value.error == "use_dpop_nonce"
    assert provider.count("POST", "/oauth2/token") == 2


def test_without_dpop_no_proof_is_sent(make_client: Callable[..., Any],
                                       provider: FakeProvider) -> None:
    client = make_client()
    assert client.dpop_key is None
    auth = client.authorization_url()
    assert "dpop_jkt" not in auth.url
    token = _login(client, provider)
    client.get_user_info(token)
    assert all("dpop" not in request.headers for request in provider.requests)


def test_a_saved_key_keeps_its_thumbprint(make_client: Callable[..., Any]) -> None:
    key = zoneconnect.DPoPKey()
    again = zoneconnect.DPoPKey.from_jwk(key.to_jwk())
    assert again.thumbprint == key.thumbprint
    assert "d" in key.to_jwk() and key.thumbprint in repr(key)
    client = make_client(dpop=again)
    assert client.dpop_key is again
    assert client.with_options(timeout=3).dpop_key is again  # copies share the key


def test_a_refused_proof_surfaces_as_an_api_error(make_client: Callable[..., Any],
                                                  provider: FakeProvider) -> None:
    client = make_client(dpop=True)
    token = zoneconnect.Token(access_token=hex32(), token_type="DPoP")
    provider.push("GET", "/api/v1/me", lambda request: error(
        401, "invalid_dpop_proof", "The DPoP proof was already used."))
    with pytest.raises(zoneconnect.AuthenticationError) as refused:
        client.get_user_info(token)
    assert refused.value.code == "invalid_dpop_proof"
    assert provider.requests[-1].headers["authorization"].startswith("DPoP ")
    assert BASE in str(provider.requests[-1].url)

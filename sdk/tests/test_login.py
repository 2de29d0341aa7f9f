"""Authorization URL, PKCE (RFC 7636) and discovery caching."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fakes import APP_ID, BASE, REDIRECT_URI, FakeProvider, error, s256

from zoneconnect import OAuthError, ZoneConnectError
from zoneconnect._pkce import VERIFIER_CHARSET, code_challenge, make_code_verifier


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_code_verifier_length_and_charset() -> None:
    """RFC 7636 §4.1: 43 to 128 characters from [A-Z a-z 0-9 - . _ ~]."""
    verifiers = {make_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    for verifier in verifiers:
        assert 43 <= len(verifier) <= 128
        assert set(verifier) <= VERIFIER_CHARSET


def test_code_challenge_is_s256_of_the_verifier() -> None:
    """RFC 7636 Appendix B test vector."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_authorization_url(client: Any, provider: FakeProvider) -> None:
    auth = client.authorization_url(scopes=["openid", "get_user_info"], prompt="consent")
    parts = urlsplit(auth.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BASE + "/oauth2/authorize"
    query = _query(auth.url)
    assert query == {
        "response_type": "code", "client_id": APP_ID, "redirect_uri": REDIRECT_URI,
        "scope": "openid get_user_info", "state": auth.state,
        "code_challenge": s256(auth.code_verifier), "code_challenge_method": "S256",
        "nonce": auth.nonce, "prompt": "consent",
    }
    assert auth.redirect_uri == REDIRECT_URI
    assert len(auth.state) >= 32 and auth.nonce and len(auth.nonce) >= 32
    assert "code_verifier" not in auth.url


def test_authorization_url_without_openid_has_no_nonce(client: Any) -> None:
    auth = client.authorization_url(scopes=["get_user_info"])
    assert auth.nonce is None
    assert "nonce" not in _query(auth.url)


def test_authorization_url_keeps_given_state_nonce_and_redirect(client: Any) -> None:
    auth = client.authorization_url(scopes=["openid"], state="s/1 2", nonce="n-1",
                                    redirect_uri="http://localhost:5000/cb")
    query = _query(auth.url)
    assert (query["state"], query["nonce"]) == ("s/1 2", "n-1")
    assert query["redirect_uri"] == "http://localhost:5000/cb"
    assert " " not in auth.url


def test_each_authorization_request_is_fresh(client: Any) -> None:
    first, second = client.authorization_url(), client.authorization_url()
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier


def test_authorization_url_uses_the_discovered_endpoint(client: Any,
                                                        provider: FakeProvider) -> None:
    provider.discovery_extra["authorization_endpoint"] = "https://login.zc.test/authorize?x=1"
    auth = client.authorization_url()
    assert auth.url.startswith("https://login.zc.test/authorize?x=1&response_type=code&")


def test_redirect_uri_is_required(make_client: Any) -> None:
    client = make_client(redirect_uri=None)
    with pytest.raises(ValueError, match="redirect_uri"):
        client.authorization_url()


def test_discovery_is_fetched_once(client: Any, provider: FakeProvider) -> None:
    metadata = client.discover()
    client.authorization_url()
    client.authorization_url()
    assert provider.count("GET", "/.well-known/openid-configuration") == 1
    assert metadata.issuer == BASE
    assert metadata.token_endpoint == BASE + "/oauth2/token"
    assert metadata.code_challenge_methods_supported == ("S256",)
    client.discover(refresh=True)
    assert provider.count("GET", "/.well-known/openid-configuration") == 2


def test_with_options_shares_the_discovery_cache(client: Any, provider: FakeProvider) -> None:
    client.discover()
    other = client.with_options(max_retries=5)
    other.authorization_url()
    assert other.max_retries == 5 and client.max_retries == 2
    assert provider.count("GET", "/.well-known/openid-configuration") == 1


def test_pushed_authorization_url(client: Any, provider: FakeProvider) -> None:
    """RFC 9126: the request goes to the PAR endpoint, authenticated like a token request; the
    browser's URL carries only client_id and the request_uri the provider answered."""
    provider.discovery_extra["pushed_authorization_request_endpoint"] = BASE + "/oauth2/par"
    request_uri = "urn:ietf:params:oauth:request_uri:abc"
    provider.push("POST", "/oauth2/par",
                  httpx.Response(201, json={"request_uri": request_uri, "expires_in": 60}))
    auth = client.pushed_authorization_url(scopes=["openid", "get_user_info"])
    assert _query(auth.url) == {"client_id": APP_ID, "request_uri": request_uri}
    assert auth.url.startswith(BASE + "/oauth2/authorize?")
    pushed = next(r for r in provider.requests if r.url.path == "/oauth2/par")
    body = {k: v[0] for k, v in parse_qs(pushed.content.decode()).items()}
    assert body["code_challenge"] == s256(auth.code_verifier) and body["state"] == auth.state
    assert body["nonce"] == auth.nonce and body["redirect_uri"] == REDIRECT_URI
    assert body["scope"] == "openid get_user_info" and body["response_type"] == "code"
    assert pushed.headers["Authorization"].startswith("Basic ")


def test_pushed_authorization_refused_raises_the_oauth_error(client: Any,
                                                            provider: FakeProvider) -> None:
    provider.discovery_extra["pushed_authorization_request_endpoint"] = BASE + "/oauth2/par"
    provider.push("POST", "/oauth2/par", error(400, "invalid_scope", "no"))
    with pytest.raises(OAuthError) as refused:
        client.pushed_authorization_url()
    assert refused.value.error == "invalid_scope"
    assert provider.count("POST", "/oauth2/par") == 1  # a push is never resent


def test_pushed_authorization_needs_the_endpoint(client: Any) -> None:
    with pytest.raises(ZoneConnectError, match="pushed_authorization_request_endpoint"):
        client.pushed_authorization_url()

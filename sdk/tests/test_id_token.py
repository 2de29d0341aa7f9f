"""id_token verification (OpenID Connect Core §3.1.3.7) against the provider's JWKS."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from conftest import FakeClock
from fakes import APP_ID, BASE, OPENID, FakeProvider

from zoneconnect import IDTokenError

JWKS = "/.well-known/jwks.json"


def test_valid_rs256(client: Any, provider: FakeProvider) -> None:
    claims = client.verify_id_token(provider.id_token(nonce="n1"), nonce="n1")
    assert (claims.sub, claims.iss, claims.aud, claims.nonce) == (OPENID, BASE, APP_ID, "n1")
    assert claims.claims["auth_time"] == claims.auth_time


def test_valid_es256(client: Any, provider: FakeProvider) -> None:
    assert client.verify_id_token(provider.id_token(key="ec")).sub == OPENID


def test_request_without_nonce_succeeds(client: Any, provider: FakeProvider) -> None:
    """oidcc-ensure-request-without-nonce-succeeds-for-code-flow."""
    assert client.verify_id_token(provider.id_token()).nonce is None


def test_jwks_is_cached(client: Any, provider: FakeProvider) -> None:
    for _ in range(3):
        client.verify_id_token(provider.id_token())
    assert provider.count("GET", JWKS) == 1


def test_audience_list_with_azp(client: Any, provider: FakeProvider) -> None:
    token = provider.id_token(aud=[APP_ID, "other"], azp=APP_ID)
    assert client.verify_id_token(token).aud == (APP_ID, "other")
    with pytest.raises(IDTokenError, match="azp"):
        client.verify_id_token(provider.id_token(aud=[APP_ID, "other"]))


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"aud": "999"}, "aud"),
        ({"iss": "http://evil.test"}, "iss"),
        ({"sub": None}, "sub"),
        ({"exp": None}, "exp"),
    ],
    ids=["wrong-aud", "wrong-iss", "no-sub", "no-exp"],
)
def test_bad_claims(client: Any, provider: FakeProvider, claims: dict[str, Any],
                    message: str) -> None:
    with pytest.raises(IDTokenError, match=message):
        client.verify_id_token(provider.id_token(**claims))


def test_expired(client: Any, provider: FakeProvider, clock: FakeClock) -> None:
    token = provider.id_token()
    clock.now += 600 + 59  # inside the 60 s leeway
    client.verify_id_token(token)
    clock.now += 2
    with pytest.raises(IDTokenError, match="expired"):
        client.verify_id_token(token)


def test_issued_in_the_future(client: Any, provider: FakeProvider, clock: FakeClock) -> None:
    with pytest.raises(IDTokenError, match="future"):
        client.verify_id_token(provider.id_token(iat=int(clock.now) + 3600))


def test_nonce_mismatch(client: Any, provider: FakeProvider) -> None:
    with pytest.raises(IDTokenError, match="nonce"):
        client.verify_id_token(provider.id_token(nonce="n1"), nonce="n2")
    with pytest.raises(IDTokenError, match="nonce"):
        client.verify_id_token(provider.id_token(), nonce="n2")


def test_bad_signature(client: Any, provider: FakeProvider) -> None:
    header, payload, signature = provider.id_token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "ATTACKER"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(IDTokenError, match="signature"):
        client.verify_id_token(f"{header}.{forged}.{signature}")


def test_signed_by_another_key_under_a_known_kid(client: Any, provider: FakeProvider) -> None:
    with pytest.raises(IDTokenError, match="signature"):
        client.verify_id_token(provider.id_token(key="other", kid="rsa-1"))


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512"])
def test_disallowed_algorithms(client: Any, provider: FakeProvider, alg: str) -> None:
    header = base64.urlsafe_b64encode(
        json.dumps({"alg": alg, "kid": "rsa-1"}).encode()).rstrip(b"=").decode()
    _, payload, signature = provider.id_token().split(".")
    with pytest.raises(IDTokenError, match="not allowed"):
        client.verify_id_token(f"{header}.{payload}.{signature}")


def test_garbage(client: Any) -> None:
    with pytest.raises(IDTokenError):
        client.verify_id_token("not-a-jwt")
    with pytest.raises(IDTokenError):
        client.verify_id_token("e30.e30.e30")


def test_unknown_kid_refetches_the_jwks_once(client: Any, provider: FakeProvider) -> None:
    client.verify_id_token(provider.id_token())
    provider.published = ["rsa", "other"]  # the provider rotated in a new key
    claims = client.verify_id_token(provider.id_token(key="other"))
    assert claims.sub == OPENID
    assert provider.count("GET", JWKS) == 2
    client.verify_id_token(provider.id_token(key="other"))
    assert provider.count("GET", JWKS) == 2


def test_unknown_kid_after_refetch_fails(client: Any, provider: FakeProvider,
                                         clock: FakeClock) -> None:
    provider.published = ["rsa"]
    client.verify_id_token(provider.id_token())
    with pytest.raises(IDTokenError, match="kid"):
        client.verify_id_token(provider.id_token(key="ec"))
    assert provider.count("GET", JWKS) == 2
    with pytest.raises(IDTokenError, match="kid"):  # no refetch storm on repeated unknown kids
        client.verify_id_token(provider.id_token(key="ec"))
    assert provider.count("GET", JWKS) == 2
    clock.now += 11
    with pytest.raises(IDTokenError, match="kid"):
        client.verify_id_token(provider.id_token(key="ec", exp=int(clock.now) + 600))
    assert provider.count("GET", JWKS) == 3


def test_unknown_kid_on_first_fetch_is_not_refetched(client: Any, provider: FakeProvider) -> None:
    provider.published = ["rsa"]
    with pytest.raises(IDTokenError, match="kid"):
        client.verify_id_token(provider.id_token(key="ec"))
    assert provider.count("GET", JWKS) == 1

"""openid-client 6 (OpenID Foundation certified RP code) logs in with ZoneConnect.

Each test is an app written with the library: discovery, the code flow with PKCE S256, state
and nonce (the library checks `iss` on the callback, RFC 9207, and verifies the id_token with the
published JWKS), the refresh, userinfo. A failure means an independent client disagrees with us.
"""

from __future__ import annotations

import pytest

from tests.certified.harness import RelyingParty, code_flow
from tests.certified.node import CertifiedClientError, OpenIdClient
from tests.sdk_integration.live import FormBrowser


def test_discovery_is_accepted(openid_client: OpenIdClient, relying_party: RelyingParty) -> None:
    metadata = openid_client.call("discover", issuer=relying_party.issuer,
                                  client_id=relying_party.client_id,
                                  client_secret=relying_party.client_secret)["metadata"]
    assert metadata["issuer"] == relying_party.issuer
    assert metadata["authorization_endpoint"] == relying_party.issuer + "/oauth2/authorize"


def test_code_flow_refresh_and_userinfo(openid_client: OpenIdClient, browser: FormBrowser,
                                        relying_party: RelyingParty) -> None:
    first = code_flow(openid_client, browser)
    tokens, claims = first["tokens"], first["claims"]
    assert tokens["token_type"].lower() == "bearer"
    assert claims["iss"] == relying_party.issuer and claims["aud"] == relying_party.client_id
    assert isinstance(claims["auth_time"], int)

    info = openid_client.call("userinfo", access_token=tokens["access_token"], sub=claims["sub"])
    assert info["sub"] == claims["sub"]
    assert info["nickname"] == "Alice"
    assert info["email"] == "alice@example.test" and info["email_verified"] is True

    renewed = openid_client.call("refresh", refresh_token=tokens["refresh_token"])
    assert renewed["tokens"]["access_token"] != tokens["access_token"]
    assert renewed["tokens"]["refresh_token"] != tokens["refresh_token"]
    if renewed["claims"] is not None:  # an id_token on refresh keeps the subject and auth_time
        assert renewed["claims"]["sub"] == claims["sub"]
        assert renewed["claims"]["auth_time"] == claims["auth_time"]
    again = openid_client.call("userinfo", access_token=renewed["tokens"]["access_token"],
                               sub=claims["sub"])
    assert again["sub"] == claims["sub"]

    # The rotated refresh token is spent: the library reports the server's invalid_grant.
    with pytest.raises(CertifiedClientError) as refused:
        openid_client.call("refresh", refresh_token=tokens["refresh_token"])
    assert refused.value.error == "invalid_grant"


def test_client_secret_post(openid_client: OpenIdClient, browser: FormBrowser,
                            relying_party: RelyingParty) -> None:
    openid_client.call("discover", issuer=relying_party.issuer, client_id=relying_party.client_id,
                       client_secret=relying_party.client_secret, auth="client_secret_post")
    result = code_flow(openid_client, browser)
    assert result["claims"]["aud"] == relying_party.client_id


def test_wrong_secret_is_refused(openid_client: OpenIdClient, browser: FormBrowser,
                                 relying_party: RelyingParty) -> None:
    openid_client.call("discover", issuer=relying_party.issuer, client_id=relying_party.client_id,
                       client_secret="not-the-appkey")
    with pytest.raises(CertifiedClientError) as refused:
        code_flow(openid_client, browser)
    assert refused.value.error == "invalid_client" and refused.value.status == 401


def test_userinfo_refuses_a_made_up_token(openid_client: OpenIdClient, browser: FormBrowser,
                                          relying_party: RelyingParty) -> None:
    sub = code_flow(openid_client, browser)["claims"]["sub"]
    with pytest.raises(CertifiedClientError) as refused:
        openid_client.call("userinfo", access_token="made-up", sub=sub)
    assert refused.value.status == 401

"""openid-client 6's DPoP (RFC 9449) against ZoneConnect: the library makes the key, signs every
proof, answers the token endpoint's use_dpop_nonce by itself, and calls userinfo and the REST
API with the DPoP scheme; the server binds what it issues to the library's key."""

from __future__ import annotations

import httpx
import pytest
from joserfc.jwk import ECKey

from tests.certified.harness import REDIRECT_URI, SCOPE, RelyingParty, callback_url
from tests.certified.node import CertifiedClientError, OpenIdClient
from tests.sdk_integration.live import FormBrowser


def _introspect(rp: RelyingParty, token: str) -> dict[str, object]:
    response = httpx.post(rp.issuer + "/oauth2/introspect", data={"token": token},
                          auth=(rp.client_id, rp.client_secret), timeout=15.0)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_openid_client_dpop_flow(openid_client: OpenIdClient, browser: FormBrowser,
                                 relying_party: RelyingParty) -> None:
    jwk = openid_client.call("dpop_key")["jwk"]
    jkt = ECKey.import_key(jwk).thumbprint()
    request = openid_client.call("authorization_url", params={
        "redirect_uri": REDIRECT_URI, "scope": SCOPE + " get_user_info", "dpop_jkt": jkt})
    callback = callback_url(browser, request["url"])
    first = openid_client.call("dpop_code_grant", callback_url=callback,
                               code_verifier=request["code_verifier"], state=request["state"],
                               nonce=request["nonce"])
    tokens, claims = first["tokens"], first["claims"]
    assert tokens["token_type"].lower() == "dpop"
    assert _introspect(relying_party, tokens["access_token"])["cnf"] == {"jkt": jkt}

    info = openid_client.call("dpop_userinfo", access_token=tokens["access_token"],
                              sub=claims["sub"])
    assert info["sub"] == claims["sub"]
    me = openid_client.call("dpop_resource", access_token=tokens["access_token"],
                            url=relying_party.issuer + "/api/v1/me")
    assert me["status"] == 200 and me["body"]["openid"] == claims["sub"]

    renewed = openid_client.call("dpop_refresh", refresh_token=tokens["refresh_token"])
    fresh = renewed["tokens"]["access_token"]
    assert renewed["tokens"]["token_type"].lower() == "dpop"
    assert _introspect(relying_party, fresh)["cnf"] == {"jkt": jkt}

    # The same token without the key: the library's plain Bearer call is refused.
    with pytest.raises(CertifiedClientError) as as_bearer:
        openid_client.call("userinfo", access_token=fresh, sub=claims["sub"])
    assert as_bearer.value.error == "invalid_token"
    # Another key's proofs: invalid_dpop_proof, as the library reads it from the challenge.
    openid_client.call("dpop_key")
    with pytest.raises(CertifiedClientError) as other_key:
        openid_client.call("dpop_resource", access_token=fresh,
                           url=relying_party.issuer + "/api/v1/me")
    assert other_key.value.error == "invalid_dpop_proof"

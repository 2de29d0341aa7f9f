"""openid-client 6 exchanges a user's token for a token of the developer's other app (RFC 8693).

The app logs alice in with the library's code flow, then its backend calls the token endpoint
with the library's generic grant (its client authentication and its checks of the answer). The
other app is a JWT app: the exchanged token is then checked as a resource server would, with
PyJWT and the platform's JWKS.
"""

from __future__ import annotations

import httpx
import jwt as pyjwt
import pytest

from gateway.accounts.models import User
from gateway.apps import services as apps
from gateway.apps.models import App
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from gateway.identity.services import openid_for
from tests.certified.harness import REDIRECT_URI, RelyingParty, code_flow
from tests.certified.node import CertifiedClientError, OpenIdClient
from tests.sdk_integration.live import FormBrowser

ACCESS = "urn:ietf:params:oauth:token-type:access_token"


@pytest.fixture
def sibling(relying_party: RelyingParty) -> App:
    """devon's second app, issuing JWT access tokens; exchange on for both; alice granted it."""
    rp = db.session.get(App, relying_party.app_pk)
    assert rp is not None
    rp.token_exchange_enabled = True
    devon = db.session.get(User, rp.developer_id)
    other, _ = apps.create_app(devon, name="Certified sibling", redirect_uris=[REDIRECT_URI],
                               live=True)
    other.token_exchange_enabled = True
    other.access_token_format = "jwt"
    record_consent(relying_party.alice_id, other.id, ["openid", "profile"])
    db.session.commit()  # visible to the server's threads
    return other


def test_openid_client_exchanges_for_the_sibling_app(openid_client: OpenIdClient,
                                                      browser: FormBrowser,
                                                      relying_party: RelyingParty,
                                                      sibling: App) -> None:
    tokens = code_flow(openid_client, browser)["tokens"]
    exchanged = openid_client.call("token_exchange", parameters={
        "subject_token": tokens["access_token"], "subject_token_type": ACCESS,
        "audience": sibling.appid, "scope": "profile"})["tokens"]
    assert exchanged["issued_token_type"] == ACCESS
    assert exchanged["token_type"].lower() == "bearer" and exchanged["scope"] == "profile"
    assert "refresh_token" not in exchanged
    jwks = httpx.get(relying_party.issuer + "/.well-known/jwks.json").json()
    header = pyjwt.get_unverified_header(exchanged["access_token"])
    key = next(k for k in pyjwt.PyJWKSet.from_dict(jwks).keys if k.key_id == header["kid"])
    claims = pyjwt.decode(exchanged["access_token"], key.key, algorithms=["ES256"],
                          audience=f"urn:zoneconnect:app:{sibling.appid}",
                          issuer=relying_party.issuer)
    assert claims["client_id"] == sibling.appid
    assert claims["sub"] == openid_for(relying_party.alice_id, sibling.id)

    # Widening is refused, and the library reports the server's code.
    with pytest.raises(CertifiedClientError) as wider:
        openid_client.call("token_exchange", parameters={
            "subject_token": tokens["access_token"], "subject_token_type": ACCESS,
            "audience": sibling.appid, "scope": "profile email"})
    assert wider.value.error == "invalid_scope"
    with pytest.raises(CertifiedClientError) as elsewhere:
        openid_client.call("token_exchange", parameters={
            "subject_token": tokens["access_token"], "subject_token_type": ACCESS,
            "audience": "101999999"})
    assert elsewhere.value.error == "invalid_target"

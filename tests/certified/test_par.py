"""Pushed authorization requests (RFC 9126) driven by openid-client 6's
`buildAuthorizationUrlWithPAR`: the library pushes the request with its client authentication,
expects 201 with request_uri and expires_in, and sends the browser only client_id and request_uri.

(idpyoidc 5.0's PAR add-on always pushes a signed request object and accepts only HTTP 200, where
RFC 9126 §2.2 answers 201; ZoneConnect refuses request objects, so it is not used here.)
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from gateway.apps.models import App
from gateway.extensions import db
from gateway.oauth.models import PushedRequest
from tests.certified.harness import REDIRECT_URI, SCOPE, RelyingParty, callback_url, code_flow
from tests.certified.node import CertifiedClientError, OpenIdClient
from tests.sdk_integration.live import FormBrowser


@pytest.mark.parametrize("auth", ["client_secret_basic", "client_secret_post"])
def test_code_flow_through_par(openid_client: OpenIdClient, browser: FormBrowser,
                               relying_party: RelyingParty, auth: str) -> None:
    openid_client.call("discover", issuer=relying_party.issuer, client_id=relying_party.client_id,
                       client_secret=relying_party.client_secret, auth=auth)
    result = code_flow(openid_client, browser, par=True)
    assert result["claims"]["aud"] == relying_party.client_id
    info = openid_client.call("userinfo", access_token=result["tokens"]["access_token"],
                              sub=result["claims"]["sub"])
    assert info["nickname"] == "Alice"
    row = db.session.scalars(select(PushedRequest)).one()
    assert row.used_at is not None and row.parameters["scope"] == SCOPE


def test_the_browser_carries_only_the_request_uri(openid_client: OpenIdClient,
                                                  relying_party: RelyingParty) -> None:
    request = openid_client.call("par_authorization_url",
                                 params={"redirect_uri": REDIRECT_URI, "scope": SCOPE})
    query = parse_qs(urlsplit(request["url"]).query)
    assert set(query) == {"client_id", "request_uri"}
    assert query["request_uri"][0].startswith("urn:ietf:params:oauth:request_uri:")


def test_a_used_request_uri_is_refused(openid_client: OpenIdClient, browser: FormBrowser,
                                       relying_party: RelyingParty) -> None:
    request = openid_client.call("par_authorization_url",
                                 params={"redirect_uri": REDIRECT_URI, "scope": SCOPE})
    callback = callback_url(browser, request["url"])
    openid_client.call("code_grant", callback_url=callback,
                       code_verifier=request["code_verifier"], state=request["state"],
                       nonce=request["nonce"])
    replay = browser.get(request["url"])
    assert replay.status_code == 400 and "invalid_request_uri" in replay.text


def test_require_par_app(openid_client: OpenIdClient, browser: FormBrowser,
                         relying_party: RelyingParty) -> None:
    app = db.session.get(App, relying_party.app_pk)
    assert app is not None
    app.require_par = True
    db.session.commit()
    # A plain request comes back with an error that the library reports as the server's.
    with pytest.raises(CertifiedClientError) as refused:
        code_flow(openid_client, browser)
    assert refused.value.error == "invalid_request"
    # The same app through PAR logs in.
    assert code_flow(openid_client, browser, par=True)["claims"]["aud"] == relying_party.client_id


def test_pushing_with_a_wrong_secret_is_refused(openid_client: OpenIdClient,
                                                relying_party: RelyingParty) -> None:
    openid_client.call("discover", issuer=relying_party.issuer, client_id=relying_party.client_id,
                       client_secret="not-the-appkey")
    with pytest.raises(CertifiedClientError) as refused:
        openid_client.call("par_authorization_url",
                           params={"redirect_uri": REDIRECT_URI, "scope": SCOPE})
    assert refused.value.error == "invalid_client" and refused.value.status == 401
    assert db.session.scalars(select(PushedRequest)).first() is None

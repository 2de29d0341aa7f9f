"""idpyoidc (Identity Python's certified RP library) logs in with ZoneConnect.

The library reads discovery, sends the code flow with PKCE S256, state and nonce, checks the
callback's state, verifies the id_token against the JWKS (signature, iss, aud, nonce), redeems
the code with client_secret_basic or _post, refreshes, and calls userinfo.
"""

from __future__ import annotations

import pytest
from idpyoidc.exception import MessageException

from tests.certified.harness import ALICE_PASSWORD, REDIRECT_URI, RelyingParty
from tests.certified.idpy import idpy_client
from tests.sdk_integration.live import FormBrowser

SCOPE = "openid profile email"


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_code_flow_refresh_and_userinfo(browser: FormBrowser, relying_party: RelyingParty,
                                        auth_method: str) -> None:
    rp = idpy_client(relying_party.issuer, relying_party.client_id, relying_party.client_secret,
                     REDIRECT_URI, scope=SCOPE.split(), auth_method=auth_method)
    url = rp.begin(issuer_id=relying_party.issuer, req_args={"scope": SCOPE})
    callback = browser.authorize(url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    assert callback["iss"] == relying_party.issuer

    result = rp.finalize(relying_party.issuer, callback)
    id_token = result["id_token"]
    assert id_token["iss"] == relying_party.issuer and id_token["aud"] == [relying_party.client_id]
    assert result["userinfo"]["sub"] == id_token["sub"]
    assert result["userinfo"]["nickname"] == "Alice"
    assert result["userinfo"]["email"] == "alice@example.test"

    renewed = rp.refresh_access_token(result["state"])
    assert renewed["access_token"] != result["token"]
    info = rp.get_user_info(result["state"], access_token=renewed["access_token"])
    assert info["sub"] == id_token["sub"] and info["nickname"] == "Alice"


def test_state_of_another_request_is_refused(browser: FormBrowser,
                                             relying_party: RelyingParty) -> None:
    """The harness can fail: a callback whose state the library never sent is refused."""
    rp = idpy_client(relying_party.issuer, relying_party.client_id, relying_party.client_secret,
                     REDIRECT_URI, scope=SCOPE.split())
    url = rp.begin(issuer_id=relying_party.issuer, req_args={"scope": SCOPE})
    callback = browser.authorize(url, "alice", ALICE_PASSWORD, REDIRECT_URI)
    with pytest.raises((KeyError, MessageException, ValueError)):
        rp.finalize(relying_party.issuer, {**callback, "state": "forged-state"})

"""What a certified-client test stands on: the registered app and the whole code flow.

The platform runs on a loopback port (tests/sdk_integration/live.py); alice's browser is the
form-following `FormBrowser`; the app's code is openid-client 6 (node.py) or idpyoidc
(idpy.py), never code of ours. See README.md for adding a flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.certified.node import OpenIdClient
from tests.sdk_integration.live import FormBrowser

# Never served: the browser stops at the redirect to it and hands the URL to the client.
REDIRECT_URI = "http://127.0.0.1:9/callback"
ALICE_PASSWORD = "alice-password"
SCOPE = "openid profile email"


@dataclass
class RelyingParty:
    """An app registered on the running platform, as its developer would have it."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    app_pk: int
    alice_id: int


def callback_url(browser: FormBrowser, url: str, redirect_uri: str = REDIRECT_URI) -> str:
    """Alice follows an authorization URL: logs in, consents; the callback URL she reaches."""
    query = browser.authorize(url, "alice", ALICE_PASSWORD, redirect_uri)
    from urllib.parse import urlencode

    return redirect_uri + "?" + urlencode(query)


def code_flow(client: OpenIdClient, browser: FormBrowser, *, par: bool = False,
              **params: Any) -> dict[str, Any]:
    """openid-client's code flow with PKCE, state and nonce (pushed first when `par`):
    authorization URL, alice's login and consent, the checked callback and code exchange.
    Returns {"tokens": the token response, "claims": the id_token's verified claims}."""
    op = "par_authorization_url" if par else "authorization_url"
    request = client.call(op, params={"redirect_uri": REDIRECT_URI, "scope": SCOPE, **params})
    callback = callback_url(browser, request["url"])
    return client.call("code_grant", callback_url=callback,
                       code_verifier=request["code_verifier"], state=request["state"],
                       nonce=request["nonce"])

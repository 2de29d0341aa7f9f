"""idpyoidc (PyPI; the Identity Python RP library, OpenID certified) as a test's app.

`idpy_client` builds an RPHandler for one statically registered app: it reads discovery,
sends the code flow with PKCE S256, state and nonce, verifies the id_token with the JWKS, and
calls the token and userinfo endpoints with its own HTTP client (requests), like an app would.
"""

from __future__ import annotations

from typing import Any

from cryptojwt.key_jar import KeyJar
from idpyoidc.client.rp_handler import RPHandler

PKCE = {"function": "idpyoidc.client.oauth2.add_on.pkce.add_support",
        "kwargs": {"code_challenge_length": 64, "code_challenge_method": "S256"}}


def idpy_client(issuer: str, client_id: str, client_secret: str, redirect_uri: str, *,
                scope: list[str], auth_method: str = "client_secret_basic",
                add_ons: dict[str, Any] | None = None) -> RPHandler:
    """An RPHandler with one app on `issuer` (keys in memory: nothing written to disk)."""
    config = {
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uris": [redirect_uri],
        "client_type": "oidc",
        # the refresh service finds its authentication method only in this list
        "client_authn_methods": ["client_secret_basic", "client_secret_post"],
        "preference": {"response_types": ["code"], "scope": scope,
                       "token_endpoint_auth_method": auth_method},
        "add_ons": {"pkce": PKCE, **(add_ons or {})},
    }
    return RPHandler(base_url=redirect_uri.rsplit("/", 1)[0], client_configs={issuer: config},
                     keyjar=KeyJar(), verify_ssl=False)

"""Discovery: the OpenID Connect / RFC 8414 metadata and the JWKS, stating only what works."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from gateway import web
from gateway.apps.scopes import SCOPES
from gateway.extensions import db
from gateway.i18n import LANGUAGES
from gateway.mfa import state as mfa_state
from gateway.oauth import authorize as authz
from gateway.oauth import dpop, exchange, keys
from gateway.oauth.views import AUTH_METHODS


def jwks() -> ResponseReturnValue:
    """The public keys that verify id_tokens (current and retiring)."""
    body = keys.jwks()
    db.session.commit()  # the first key is created on first use
    return web.public_metadata(jsonify(body))


def metadata() -> dict[str, Any]:
    """Discovery metadata: only what the server actually does."""
    base = authz.issuer()
    return {
        "issuer": base,
        "authorization_endpoint": base + url_for("oauth.authorize"),
        "token_endpoint": base + url_for("oauth.token"),
        "userinfo_endpoint": base + url_for("oauth.userinfo"),
        "jwks_uri": base + url_for("oauth.jwks"),
        "revocation_endpoint": base + url_for("oauth.revoke"),
        "introspection_endpoint": base + url_for("oauth.introspect"),
        "device_authorization_endpoint": base + url_for("oauth.device_authorization"),
        "end_session_endpoint": base + url_for("oauth.end_session_endpoint"),
        "pushed_authorization_request_endpoint": base + url_for(
            "oauth.pushed_authorization_request"),
        # Per app ("require PAR" in the portal); the server as a whole takes plain requests too.
        "require_pushed_authorization_requests": False,
        "scopes_supported": list(SCOPES),
        # Not in the standard: the words the consent page shows for each scope, per language
        # (from the one scope registry, so discovery, consent and the portal agree).
        "scope_descriptions": {name: {tag: scope.described_in(locale)
                                      for locale, tag in LANGUAGES.items()}
                               for name, scope in SCOPES.items()},
        "ui_locales_supported": list(LANGUAGES.values()),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials",
                                  "urn:ietf:params:oauth:grant-type:device_code",
                                  exchange.GRANT_TYPE],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [keys.signing_algorithm()],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS[:2],
        "code_challenge_methods_supported": ["S256"],
        "dpop_signing_alg_values_supported": list(dpop.ALGORITHMS),
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
                             "name", "nickname", "gender", "picture", "locale", "zoneinfo",
                             "email", "email_verified", "amr", "acr", "sid"],
        "acr_values_supported": list(mfa_state.ACR_VALUES),
        "authorization_response_iss_parameter_supported": True,
        "claims_parameter_supported": False,
        # Request objects (JAR) are refused (apps register no keys to verify them); request_uri
        # takes only the PAR endpoint's URNs, never a URL to fetch.
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        # OpenID Connect Back-Channel Logout 1.0 (gateway/oauth/backchannel.py): logout tokens
        # always carry sid.
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        # Front-Channel Logout 1.0 (gateway/oauth/frontchannel.py): iss and sid when asked.
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
    }


def openid_configuration() -> ResponseReturnValue:
    """OpenID Connect Discovery 1.0."""
    return web.public_metadata(jsonify(metadata()))


def oauth_metadata() -> ResponseReturnValue:
    """RFC 8414 authorization server metadata."""
    return web.public_metadata(jsonify(metadata()))

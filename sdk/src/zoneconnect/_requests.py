"""Request builders for every operation: pure functions from options to a `RequestSpec`."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from ._config import ClientConfig
from ._exceptions import ZoneConnectError
from ._pkce import code_challenge, make_code_verifier, make_nonce, make_state
from ._retry import Replay
from ._sansio import RequestSpec
from ._tokens import AuthorizationRequest, ProviderMetadata, Token

DISCOVERY_PATH = "/.well-known/openid-configuration"
API_PREFIX = "/api/v1"


def _headers(config: ClientConfig, **extra: str) -> dict[str, str]:
    return {"User-Agent": config.user_agent, "Accept": "application/json", **extra}


def _basic(user: str, password: str) -> str:
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _bearer(config: ClientConfig, token: Token, **extra: str) -> dict[str, str]:
    # A DPoP-bound token goes with the DPoP scheme (the client's signer adds the proof).
    scheme = "DPoP" if token.token_type.lower() == "dpop" else "Bearer"
    return _headers(config, Authorization=f"{scheme} {token.access_token}", **extra)


def _app_auth(config: ClientConfig, **extra: str) -> dict[str, str]:
    return _headers(config, Authorization=_basic(config.app_id, config.require_app_key()), **extra)


def new_idempotency_key() -> str:
    """A fresh random Idempotency-Key (sent unchanged on every retry of one call)."""
    return str(uuid.uuid4())


# -- OAuth / OIDC -------------------------------------------------------------------------------


def discovery(config: ClientConfig) -> RequestSpec:
    """GET the OpenID Provider metadata."""
    return RequestSpec("GET", config.url(DISCOVERY_PATH), _headers(config))


def jwks(config: ClientConfig, metadata: ProviderMetadata) -> RequestSpec:
    """GET the provider's JSON Web Key Set."""
    uri = metadata.jwks_uri or config.url("/.well-known/jwks.json")
    return RequestSpec("GET", uri, _headers(config))


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode(params, quote_via=quote)
    joined = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


def end_session_url(
    config: ClientConfig,
    metadata: ProviderMetadata,
    *,
    id_token_hint: str | None,
    post_logout_redirect_uri: str | None,
    state: str | None,
    logout_hint: str | None,
    ui_locales: str | None,
) -> str:
    """The RP-Initiated Logout URL (OpenID Connect RP-Initiated Logout 1.0 §2)."""
    endpoint = metadata.end_session_endpoint or config.url("/oauth2/logout")
    params = {"client_id": config.app_id}
    optional = {"id_token_hint": id_token_hint,
                "post_logout_redirect_uri": post_logout_redirect_uri, "state": state,
                "logout_hint": logout_hint, "ui_locales": ui_locales}
    params.update({k: v for k, v in optional.items() if v})
    return _with_query(endpoint, params)


def authorization_request(
    config: ClientConfig,
    metadata: ProviderMetadata,
    *,
    scopes: Iterable[str],
    state: str | None,
    nonce: str | None,
    prompt: str | None,
    redirect_uri: str | None,
    dpop_jkt: str | None = None,
) -> AuthorizationRequest:
    """Build the authorize URL with a fresh PKCE S256 pair (and a nonce when `openid` is asked;
    `dpop_jkt` binds the code to the client's DPoP key, RFC 9449 §10)."""
    params, auth = authorization_parameters(config, scopes=scopes, state=state, nonce=nonce,
                                            prompt=prompt, redirect_uri=redirect_uri,
                                            dpop_jkt=dpop_jkt)
    return replace(auth, url=_with_query(metadata.authorization_endpoint, params))


def authorization_parameters(
    config: ClientConfig,
    *,
    scopes: Iterable[str],
    state: str | None,
    nonce: str | None,
    prompt: str | None,
    redirect_uri: str | None,
    dpop_jkt: str | None = None,
) -> tuple[dict[str, str], AuthorizationRequest]:
    """The parameters of an authorization request (fresh state, PKCE S256 pair, nonce when
    `openid` is asked) and what to keep until the callback (its `url` still to be set)."""
    redirect = redirect_uri or config.redirect_uri
    if not redirect:
        raise ValueError("redirect_uri is required: pass it to the client or to this call")
    scope_list = list(dict.fromkeys(scopes))
    state = state or make_state()
    if nonce is None and "openid" in scope_list:
        nonce = make_nonce()
    verifier = make_code_verifier()
    params = {
        "response_type": "code",
        "client_id": config.app_id,
        "redirect_uri": redirect,
        "scope": " ".join(scope_list),
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if nonce is not None:
        params["nonce"] = nonce
    if prompt is not None:
        params["prompt"] = prompt
    if dpop_jkt is not None:
        params["dpop_jkt"] = dpop_jkt
    return params, AuthorizationRequest(url="", state=state, code_verifier=verifier, nonce=nonce,
                                        redirect_uri=redirect)


def pushed_authorization(config: ClientConfig, metadata: ProviderMetadata,
                         params: dict[str, str]) -> RequestSpec:
    """POST the authorization request to the PAR endpoint (RFC 9126), authenticated like the
    token request; each push makes a new request_uri, so it is never resent once it may have
    arrived."""
    endpoint = metadata.pushed_authorization_request_endpoint
    if not endpoint:
        raise ZoneConnectError("the provider advertises no pushed_authorization_request_endpoint")
    spec = token(config, metadata, params)
    return RequestSpec("POST", endpoint, spec.headers, data=spec.data, replay=Replay.UNSENT_ONLY)


def pushed_authorization_url(config: ClientConfig, metadata: ProviderMetadata,
                             request_uri: str) -> str:
    """The authorize URL of a pushed request: only client_id and request_uri (RFC 9126 §4)."""
    return _with_query(metadata.authorization_endpoint,
                       {"client_id": config.app_id, "request_uri": request_uri})


def token(config: ClientConfig, metadata: ProviderMetadata, form: dict[str, str]) -> RequestSpec:
    """POST to the token endpoint: client_secret_basic, or client_id alone for a public client."""
    body = dict(form)
    if config.app_key:
        auth = _basic(quote(config.app_id, safe=""), quote(config.app_key, safe=""))
        headers = _headers(config, Authorization=auth)
    else:
        body["client_id"] = config.app_id
        headers = _headers(config)
    # Codes and refresh tokens are single-use: never resend once the request may have arrived.
    return RequestSpec("POST", metadata.token_endpoint, headers, data=body,
                       replay=Replay.UNSENT_ONLY, dpop=True)


def code_grant(code: str, *, code_verifier: str, redirect_uri: str) -> dict[str, str]:
    """The form of an authorization_code grant."""
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier}


def refresh_grant(refresh_token: str, scopes: Sequence[str] | None) -> dict[str, str]:
    """The form of a refresh_token grant (optionally narrowing the scope)."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if scopes:
        form["scope"] = " ".join(scopes)
    return form


TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


def exchange_grant(subject_token: str, *, audience: str, scopes: Sequence[str] | None,
                   actor_token: str | None) -> dict[str, str]:
    """The form of an RFC 8693 token exchange for another app (`audience` = its appid)."""
    form = {"grant_type": TOKEN_EXCHANGE, "subject_token": subject_token,
            "subject_token_type": ACCESS_TOKEN_TYPE, "audience": audience,
            "requested_token_type": ACCESS_TOKEN_TYPE}
    if scopes:
        form["scope"] = " ".join(scopes)
    if actor_token:
        form["actor_token"] = actor_token
        form["actor_token_type"] = ACCESS_TOKEN_TYPE
    return form


def revoke(config: ClientConfig, metadata: ProviderMetadata, value: str, hint: str) -> RequestSpec:
    """POST to the revocation endpoint (RFC 7009: repeating it is harmless, so retried)."""
    url = metadata.revocation_endpoint or config.url("/oauth2/revoke")
    form = {"token": value, "token_type_hint": hint}
    if config.app_key:
        auth = _basic(quote(config.app_id, safe=""), quote(config.app_key, safe=""))
        return RequestSpec("POST", url, _headers(config, Authorization=auth), data=form)
    form["client_id"] = config.app_id
    return RequestSpec("POST", url, _headers(config), data=form)


# -- REST API -----------------------------------------------------------------------------------


def me(config: ClientConfig, tok: Token) -> RequestSpec:
    """GET the user's profile."""
    return RequestSpec("GET", config.url(f"{API_PREFIX}/me"), _bearer(config, tok))


def create_share(config: ClientConfig, tok: Token, body: dict[str, object]) -> RequestSpec:
    """POST a share (not idempotent: only resent when the connection never opened)."""
    return RequestSpec("POST", config.url(f"{API_PREFIX}/shares"), _bearer(config, tok),
                       json=body, replay=Replay.UNSENT_ONLY)


def list_shares(config: ClientConfig, tok: Token, limit: int, before: str | None) -> RequestSpec:
    """GET one page of this app's shares for the user."""
    params: dict[str, str | int] = {"limit": limit}
    if before is not None:
        params["before"] = before
    return RequestSpec("GET", config.url(f"{API_PREFIX}/shares"), _bearer(config, tok),
                       params=params)


def delete_share(config: ClientConfig, tok: Token, share_id: str) -> RequestSpec:
    """DELETE a share."""
    url = config.url(f"{API_PREFIX}/shares/{quote(share_id, safe='')}")
    return RequestSpec("DELETE", url, _bearer(config, tok))


def create_order(config: ClientConfig, body: dict[str, object],
                 idempotency_key: str) -> RequestSpec:
    """POST an order as the app; the Idempotency-Key makes retries safe."""
    headers = _app_auth(config, **{"Idempotency-Key": idempotency_key})
    return RequestSpec("POST", config.url(f"{API_PREFIX}/payments/orders"), headers, json=body)


def retrieve_order(config: ClientConfig, order_id: str) -> RequestSpec:
    """GET an order as the app."""
    url = config.url(f"{API_PREFIX}/payments/orders/{quote(order_id, safe='')}")
    return RequestSpec("GET", url, _app_auth(config))


def refund_order(config: ClientConfig, order_id: str, idempotency_key: str) -> RequestSpec:
    """POST a refund as the app, with an Idempotency-Key."""
    url = config.url(f"{API_PREFIX}/payments/orders/{quote(order_id, safe='')}/refund")
    headers = _app_auth(config, **{"Idempotency-Key": idempotency_key})
    return RequestSpec("POST", url, headers, json={})

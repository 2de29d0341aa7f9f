"""Authlib's authorization server: the client model, token saving, grants and endpoints
registered (bound to each app by gateway.oauth.init_app). Rules live in tokens.py, storage in
store/, client authentication in clients.py."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.util import scope_to_list
from flask import Flask, current_app, request
from werkzeug.datastructures import MultiDict

from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.extensions import db
from gateway.identity.services import unionid_for
from gateway.oauth import exchange, tokens
from gateway.oauth.clients import ClientFacts
from gateway.oauth.device import DeviceAuthorization, DeviceGrant
from gateway.oauth.endpoints import Introspection, Issuer, Revocation
from gateway.oauth.grants import (
    CONFIDENTIAL_METHODS,
    ClientCredentials,
    CodeGrant,
    IDToken,
    RefreshGrant,
    S256Only,
    TokenExchange,
    grant_error,
    proof_jkt,
)
from gateway.oauth.models import OAuthCode
from gateway.oauth.store import current_store

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class OAuthClient(ClientMixin):
    """An App seen as an Authlib client (confidential for web apps, public otherwise), built
    from the store's client facts; the App row loads only for the rarer paths that need it."""

    def __init__(self, facts: ClientFacts) -> None:
        self.facts = facts
        self.app_id = facts.app_id
        self.client_id = facts.appid
        self._app: App | None = None

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = db.session.get(App, self.app_id)
            assert self._app is not None  # its facts were just read; apps are never deleted
        return self._app

    def get_client_id(self) -> str:
        return str(self.facts.appid)

    def get_default_redirect_uri(self) -> str:
        return self.app.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope_to_list(scope) or [] if s in self.facts.granted)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        from gateway.oauth.authorize import redirect_uri_allowed

        return redirect_uri_allowed(self.app, redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        return self.facts.key_matches(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.facts.is_public_client:
            return method == "none" and endpoint in {"token", "revocation",
                                                     "device_authorization"}
        return method in CONFIDENTIAL_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "client_credentials":
            return not self.facts.is_public_client
        if grant_type == exchange.GRANT_TYPE:  # RFC 8693: confidential apps that opted in
            return not self.facts.is_public_client and self.facts.token_exchange_enabled
        return grant_type in {"authorization_code", "refresh_token", DEVICE_GRANT}

    def identity_fields(self, openid: str | None, user_id: int | None) -> dict[str, str]:
        """What a token response adds about the user: the openid, and the unionid when the
        app's developer may see it (minted on first use: the request commits)."""
        if not openid:
            return {}
        if not self.facts.unionid_enabled or user_id is None:
            return {"openid": openid}
        return {"openid": openid, "unionid": unionid_for(user_id, self.facts.developer_id)}


def query_client(client_id: str) -> OAuthClient | None:
    """The client behind an appid; suspended or rejected apps cannot authenticate."""
    facts = current_store().client(client_id or "")
    if facts is None or facts.refused:
        return None
    return OAuthClient(facts)


def generate_token(grant_type: str, client: OAuthClient, user: User | None = None,
                   scope: str | None = None, expires_in: int | None = None,
                   include_refresh_token: bool = True) -> dict[str, Any]:
    """The token's shape; the values are minted and stored (as digests) by save_token."""
    token: dict[str, Any] = {"token_type": "Bearer", "access_token": "",
                             "expires_in": int(current_app.config["ZC_ACCESS_TOKEN_TTL"]),
                             "scope": scope or ""}
    if include_refresh_token:
        token["refresh_token"] = ""
    return token


def save_token(token: dict[str, Any], request: Any) -> None:
    """Issue a new family (code, client credentials, device grants) through tokens.py, bound
    to the request's DPoP key if it sent a proof, and put the raw values (never stored) in the
    response. Refreshes never come here (RefreshGrant)."""
    client: OAuthClient = request.client
    user: User | None = request.user
    found = getattr(request, "authorization_code", None)
    code = found if isinstance(found, OAuthCode) else None
    grant_type = ("client_credentials" if user is None else "device_code"
                  if request.payload.grant_type == DEVICE_GRANT else "authorization_code")
    jkt = proof_jkt(request)
    try:
        tokens.check_binding(client.facts, jkt, ret=100019)
    except tokens.GrantProblem as exc:
        raise grant_error(exc) from exc
    bindings = tokens.Bindings(
        audience=getattr(request, "resource", None),
        authentication=tokens.authentication_of(code) if code is not None else None)
    issued = tokens.issue_tokens(
        client.facts, user.id if user else None, scope_to_list(token.get("scope")) or [],
        grant_type=grant_type, code_id=code.id if code is not None else None,
        with_refresh="refresh_token" in token, bindings=bindings,
        sid=code.sid if code is not None else None, jkt=jkt)
    token["token_type"] = issued.token_type
    token["access_token"] = issued.access_token
    token["scope"] = " ".join(issued.scopes)
    if issued.refresh_token:
        token["refresh_token"] = issued.refresh_token
    token.update(client.identity_fields(issued.openid, user.id if user is not None else None))


class _Parameters(OAuth2Payload):
    def __init__(self, args: MultiDict[str, str]) -> None:
        self._args = args

    @property
    def data(self) -> MultiDict[str, str]:
        return self._args

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        values: defaultdict[str, list[str]] = defaultdict(list)
        for name, items in self._args.lists():
            values[name].extend(items)
        return values


def authorization_request(args: MultiDict[str, str]) -> OAuth2Request:
    """Authlib's view of the current authorization request with `args` as its parameters (the
    query's, or a pushed request's: RFC 9126 §4), whatever the form carries besides."""
    oauth_request = FlaskOAuth2Request(request)
    oauth_request.payload = _Parameters(args)
    return oauth_request


class Server(AuthorizationServer):
    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):  # built by authorization_request()
            return request
        return super().create_oauth2_request(request)


server = Server(query_client=query_client, save_token=save_token)
server.register_grant(CodeGrant, [S256Only(required=True), IDToken(require_nonce=False)])
server.register_grant(RefreshGrant)
server.register_grant(ClientCredentials)
server.register_grant(DeviceGrant)
server.register_grant(TokenExchange)
server.register_endpoint(DeviceAuthorization)
server.register_endpoint(Revocation)
server.register_endpoint(Introspection)
server.register_extension(Issuer())


def init_app(app: Flask) -> None:
    """Bind Authlib's server to the app; tokens are shaped here and minted by tokens.py."""
    server.init_app(app)
    server.register_token_generator("default", generate_token)

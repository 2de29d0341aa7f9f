"""Authlib's authorization server wired to ZoneConnect's apps, codes and digest-only tokens."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import OpenIDCode, UserInfo
from flask import current_app, g
from sqlalchemy import select

from gateway.accounts.models import User
from gateway.apps import services as apps
from gateway.apps.errors import AppNotFound
from gateway.apps.models import App
from gateway.extensions import db
from gateway.identity.services import openid_for, unionid_for
from gateway.oauth import keys, refresh, tokens
from gateway.oauth.authorize import issuer
from gateway.oauth.clients import REFUSED_STATUSES, ClientFacts
from gateway.oauth.device import DeviceAuthorization, DeviceGrant
from gateway.oauth.models import OAuthCode, OAuthToken
from gateway.oauth.userinfo import profile_claims
from gateway.security.secrets import digest

CONFIDENTIAL_METHODS = ("client_secret_basic", "client_secret_post")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class OAuthClient(ClientMixin):
    """An App seen as an Authlib client (confidential for web apps, public otherwise).

    Built from the App row, or on the refresh hot path from the app's columns read with the
    refresh token (then the row itself loads only if a rarer path needs it).
    """

    def __init__(self, facts: ClientFacts, app: App | None = None) -> None:
        self.facts = facts
        self.app_id = facts.app_id
        self.client_id = facts.appid
        self._app = app

    @classmethod
    def of(cls, app: App) -> OAuthClient:
        return cls(ClientFacts.of(app), app)

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = db.session.get(App, self.app_id)
            assert self._app is not None  # its token row was just read; apps are never deleted
        return self._app

    def get_client_id(self) -> str:
        return str(self.facts.appid)

    def get_default_redirect_uri(self) -> str:
        return self.app.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        granted = self.app.granted_scopes()
        return " ".join(s for s in scope_to_list(scope) or [] if s in granted)

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
        return grant_type in {"authorization_code", "refresh_token", DEVICE_GRANT}


def query_client(client_id: str) -> OAuthClient | None:
    """The client behind an appid; suspended or rejected apps cannot authenticate."""
    prefetched: refresh.RefreshLookup | None = g.get("oauth_refresh")
    if prefetched is not None and prefetched.client.appid == client_id:
        # The refresh grant already read this app's current credentials with its token.
        return None if prefetched.client.refused else OAuthClient(prefetched.client)
    try:
        app = apps.find_by_appid(client_id)
    except AppNotFound:
        return None
    if app.status in REFUSED_STATUSES:
        return None
    g.oauth_app = app
    return OAuthClient.of(app)


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
    """Issue the pair through tokens.py and put the raw values (never stored) in the response."""
    client: OAuthClient = request.client
    user: User | None = request.user
    scopes = scope_to_list(token.get("scope")) or []
    parent = getattr(request, "refresh_token", None)
    code = getattr(request, "authorization_code", None)
    if isinstance(parent, refresh.RefreshLookup):
        issued = refresh.spend(parent, scopes or None)
        if issued is None:  # a concurrent request spent it first: grace retry or reuse
            try:
                parent = tokens.find_refresh(client.app, request.form.get("refresh_token", ""))
            except tokens.GrantProblem as exc:
                raise InvalidGrantError() from exc
            issued = tokens.rotate(client.app, parent, scopes or None)
    elif isinstance(parent, OAuthToken):
        issued = tokens.rotate(client.app, parent, scopes or None)
    else:
        grant_type = ("client_credentials" if user is None else "device_code"
                      if request.payload.grant_type == DEVICE_GRANT else "authorization_code")
        issued = tokens.issue_tokens(
            client.app, user.id if user else None, scopes, grant_type=grant_type,
            code_id=code.id if isinstance(code, OAuthCode) else None,
            with_refresh="refresh_token" in token)
    token["access_token"] = issued.access_token
    token["scope"] = " ".join(issued.scopes)
    if issued.refresh_token:
        token["refresh_token"] = issued.refresh_token
    token.update(identity_fields(issued.openid, user.id if user is not None else None,
                                 client.facts.developer_id, client.facts.unionid_enabled))


def identity_fields(openid: str | None, user_id: int | None, developer_id: int,
                    unionid_enabled: bool) -> dict[str, str]:
    """What a token response adds about the user: the openid, and the unionid when the app's
    developer may see it (minted on first use: the request commits)."""
    if not openid:
        return {}
    if not unionid_enabled or user_id is None:
        return {"openid": openid}
    return {"openid": openid, "unionid": unionid_for(user_id, developer_id)}


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*CONFIDENTIAL_METHODS, "none"]

    def generate_authorization_code(self) -> str:
        return ""  # minted in save_authorization_code (tokens.issue_code)

    def create_authorization_response(self, redirect_uri: str, grant_user: User) -> Any:
        self.request.user = grant_user
        code = self.save_authorization_code("", self.request)
        params = [("code", code)]
        if self.request.payload.state:
            params.append(("state", self.request.payload.state))
        from authlib.common.urls import add_params_to_uri

        return 302, "", [("Location", add_params_to_uri(redirect_uri, params))]

    def save_authorization_code(self, code: str, request: Any) -> str:
        data = request.payload.data
        return tokens.issue_code(
            request.client.app, request.user.id, redirect_uri=request.payload.redirect_uri,
            scopes=g.oauth_approved_scopes, code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            nonce=data.get("nonce") or None, auth_time=g.get("oauth_auth_time"))

    def query_authorization_code(self, code: str, client: OAuthClient) -> OAuthCode | None:
        try:
            return tokens.find_code(client.app, code)
        except tokens.GrantProblem:
            return None

    def delete_authorization_code(self, authorization_code: OAuthCode) -> None:
        pass  # consumed in authenticate_user, before any token is minted

    def authenticate_user(self, authorization_code: OAuthCode) -> User | None:
        try:
            tokens.consume_code(authorization_code)
        except tokens.GrantProblem as exc:
            raise InvalidGrantError(exc.description) from exc
        return db.session.get(User, authorization_code.user_id)


@dataclass(frozen=True)
class TokenOwner:
    """The user a refresh token speaks for: only the id is needed to issue the next pair
    (a user's tokens are deleted with the user)."""

    id: int


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*CONFIDENTIAL_METHODS, "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def validate_token_request(self) -> None:
        # One query reads the token and its app's credentials; query_client reuses them.
        raw = self.request.form.get("refresh_token")
        g.oauth_refresh = refresh.lookup_refresh(raw) if isinstance(raw, str) else None
        super().validate_token_request()

    def authenticate_refresh_token(self, refresh_token: str) -> Any:
        client: OAuthClient = self.request.client
        lookup: refresh.RefreshLookup | None = g.get("oauth_refresh")
        if lookup is not None and lookup.app_id == client.app_id and lookup.spendable():
            return lookup
        try:  # unknown, another client's, exchanged (grace or reuse), revoked or expired
            return tokens.find_refresh(client.app, refresh_token)
        except tokens.GrantProblem:
            return None

    def authenticate_user(self, refresh_token: Any) -> Any:
        if isinstance(refresh_token, refresh.RefreshLookup):
            return TokenOwner(refresh_token.user_id) if refresh_token.user_id else None
        return db.session.get(User, refresh_token.user_id) if refresh_token.user_id else None

    def revoke_old_credential(self, refresh_token: Any) -> None:
        pass  # refresh.spend / tokens.rotate mark it rotated in save_token


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(CONFIDENTIAL_METHODS)


class IDToken(OpenIDCode):
    """id_tokens: sub = pairwise openid, aud = appid, signed with the current key."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return db.session.scalar(select(OAuthCode.id).where(
            OAuthCode.app_id == request.client.app_id, OAuthCode.nonce == nonce)) is not None

    def resolve_client_private_key(self, client: OAuthClient) -> Any:
        return keys.load(keys.current_row(keys.signing_algorithm()))

    def get_client_algorithm(self, client: OAuthClient) -> str:
        return keys.signing_algorithm()

    def get_encode_header(self, client: OAuthClient) -> dict[str, str]:
        row = keys.current_row(keys.signing_algorithm())
        return {"alg": row.alg, "kid": row.kid, "typ": "JWT"}

    def get_client_claims(self, client: OAuthClient) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": issuer(), "aud": client.get_client_id(), "iat": now,
                "exp": now + int(current_app.config["ZC_ID_TOKEN_TTL"])}

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo(sub=openid_for(user.id, g.oauth_app),
                        **profile_claims(user, scope_to_list(scope) or []))


class S256Only(CodeChallenge):
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # plain is refused (RFC 9700)


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        return issuer()


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = [*CONFIDENTIAL_METHODS, "none"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        return find_token(token_string, token_type_hint)

    def revoke_token(self, token: OAuthToken, request: Any) -> None:
        tokens.revoke_token_row(token)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = list(CONFIDENTIAL_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        return find_token(token_string, token_type_hint)

    def check_permission(self, token: OAuthToken, client: OAuthClient, request: Any) -> bool:
        return token.app_id == client.app_id  # only the client's own tokens

    def introspect_token(self, token: OAuthToken) -> dict[str, Any]:
        app = db.session.get(App, token.app_id)
        return {"active": True, "client_id": app.appid if app else None, "token_type": "Bearer",
                "scope": token.get_scope(), "sub": token.openid, "aud": app.appid if app else None,
                "iss": issuer(), "exp": calendar.timegm(token.expires_at.utctimetuple()),
                "iat": calendar.timegm(token.created_at.utctimetuple())}


def find_token(raw: str, hint: str | None) -> OAuthToken | None:
    """A token row by its access or refresh value (the hint only orders the lookups)."""
    if not raw or len(raw) > 64:
        return None
    columns = [OAuthToken.access_digest, OAuthToken.refresh_digest]
    if hint == "refresh_token":
        columns.reverse()
    for column in columns:
        row = db.session.scalar(select(OAuthToken).where(column == digest(raw)))
        if row is not None:
            return row
    return None


server = AuthorizationServer(query_client=query_client, save_token=save_token)
server.register_token_generator("default", generate_token)
server.register_grant(CodeGrant, [S256Only(required=True), IDToken(require_nonce=False)])
server.register_grant(RefreshGrant)
server.register_grant(ClientCredentials)
server.register_grant(DeviceGrant)
server.register_endpoint(DeviceAuthorization)
server.register_endpoint(Revocation)
server.register_endpoint(Introspection)
server.register_extension(Issuer())

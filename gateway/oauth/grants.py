"""Authlib grants wired to the token rules (gateway/oauth/tokens.py): code, refresh, client
credentials, and the OpenID Connect and PKCE extensions of the code grant. No request state
passes through `flask.g`: what the authorize view decided travels on Authlib's request."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from flask import current_app

from gateway.accounts.models import User
from gateway.errors import english
from gateway.extensions import db
from gateway.oauth import exchange, keys, resources, tokens
from gateway.oauth.authorize import issuer
from gateway.oauth.models import OAuthCode
from gateway.oauth.store import current_store
from gateway.oauth.userinfo import email_claims, profile_claims

CONFIDENTIAL_METHODS = ("client_secret_basic", "client_secret_post")


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2 / RFC 8693 §2.2.2: the resource or audience is invalid, unknown or not one
    the server will issue a token for."""

    error = "invalid_target"


def requested_resource(request: Any, bound: str | None = None) -> str | None:
    """The token request's `resource` (RFC 8707), checked against what the platform serves
    and against the resource a code was bound to at authorization; the token's audience."""
    try:
        resource = resources.platform(request.form.getlist("resource"))
    except resources.InvalidTarget as exc:
        raise InvalidTargetError(exc.description) from exc
    if bound is not None and resource is not None and resource != bound:
        raise InvalidTargetError("the code was issued for another resource")
    return resource or bound


class InvalidDPoPProofError(OAuth2Error):
    """RFC 9449 §5: the token request's DPoP proof is refused (or missing where required)."""

    error = "invalid_dpop_proof"
    status_code = 400


class UseDPoPNonceError(OAuth2Error):
    """RFC 9449 §8: retry with the nonce of the `DPoP-Nonce` header."""

    error = "use_dpop_nonce"
    status_code = 400

    def get_headers(self) -> list[tuple[str, str]]:
        from gateway.oauth import dpop

        return [*super().get_headers(), ("DPoP-Nonce", dpop.current_nonce())]


def proof_jkt(request: Any) -> str | None:
    """The thumbprint of the token request's checked DPoP proof (views.token put it on
    Authlib's request), or None."""
    proof = getattr(request, "dpop", None)
    return None if proof is None else str(proof.jkt)


def grant_error(exc: tokens.GrantProblem) -> OAuth2Error:
    """The RFC error of a token rule's refusal."""
    if exc.error == "invalid_scope":
        return InvalidScopeError()
    if exc.error == "invalid_dpop_proof":
        return InvalidDPoPProofError(english(exc.description))
    return InvalidGrantError(english(exc.description))


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*CONFIDENTIAL_METHODS, "none"]

    def generate_authorization_code(self) -> str:
        return ""  # minted in save_authorization_code (tokens.issue_code)

    def validate_token_request(self) -> None:
        super().validate_token_request()  # before the code is consumed: a bad resource spends
        code = self.request.authorization_code  # nothing
        self.request.resource = requested_resource(self.request, code.resource)

    def create_authorization_response(self, redirect_uri: str, grant_user: User) -> Any:
        self.request.user = grant_user
        code = self.save_authorization_code("", self.request)
        params = [("code", code)]
        if self.request.payload.state:
            params.append(("state", self.request.payload.state))
        return 302, "", [("Location", add_params_to_uri(redirect_uri, params))]

    def save_authorization_code(self, code: str, request: Any) -> str:
        data = request.payload.data
        return tokens.issue_code(
            request.client.app, request.user.id, redirect_uri=request.payload.redirect_uri,
            scopes=request.approved_scopes, code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            nonce=data.get("nonce") or None, auth_time=request.auth_time,
            amr=getattr(request, "amr", None), sid=getattr(request, "sid", None),
            resource=getattr(request, "resource", None),
            dpop_jkt=data.get("dpop_jkt") or None)  # checked by authorize.parse

    def query_authorization_code(self, code: str, client: Any) -> OAuthCode | None:
        try:
            return tokens.find_code(client.app, code)
        except tokens.GrantProblem:
            return None

    def delete_authorization_code(self, authorization_code: OAuthCode) -> None:
        pass  # consumed in authenticate_user, before any token is minted

    def authenticate_user(self, authorization_code: OAuthCode) -> User | None:
        try:
            tokens.check_binding(self.request.client.facts, proof_jkt(self.request), ret=100019,
                                 code=authorization_code)  # before the code is spent
            tokens.consume_code(authorization_code)
        except tokens.GrantProblem as exc:
            raise grant_error(exc) from exc
        return db.session.get(User, authorization_code.user_id)


class RefreshGrant(grants.RefreshTokenGrant):
    """The refresh grant: Authlib authenticates the client; tokens.refresh applies every rule
    (the same function the QQ endpoint calls)."""

    TOKEN_ENDPOINT_AUTH_METHODS = [*CONFIDENTIAL_METHODS, "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def validate_token_request(self) -> None:
        self.request.client = self._validate_request_client()
        if self.request.form.get("refresh_token") is None:
            raise InvalidRequestError("Missing 'refresh_token' in request.")
        self.request.resource = requested_resource(self.request)

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client = self.request.client
        scope = self.request.payload.scope
        try:
            issued = tokens.refresh(client.facts, self.request.form.get("refresh_token"),
                                    scope_to_list(scope) if scope else None,
                                    self.request.resource, proof_jkt(self.request))
        except tokens.GrantProblem as exc:
            if exc.error == "invalid_scope":
                raise InvalidScopeError() from exc
            if exc.error == "invalid_target":
                raise InvalidTargetError(exc.description) from exc
            if exc.error == "invalid_dpop_proof":
                raise grant_error(exc) from exc
            raise InvalidGrantError() from exc
        body = token_body(issued)
        body.update(client.identity_fields(issued.openid, issued.user_id))
        return 200, body, self.TOKEN_RESPONSE_HEADER


def token_body(issued: tokens.Issued) -> dict[str, Any]:
    """The RFC 6749 §5.1 body of an issued pair."""
    body: dict[str, Any] = {"token_type": issued.token_type, "access_token": issued.access_token,
                            "expires_in": issued.expires_in, "scope": " ".join(issued.scopes)}
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return body


class TokenExchange(grants.BaseGrant, grants.TokenEndpointMixin):
    """RFC 8693 token exchange: Authlib authenticates the client (its secret only);
    gateway/oauth/exchange.py applies every rule and issues through tokens.issue_tokens."""

    GRANT_TYPE = exchange.GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = list(CONFIDENTIAL_METHODS)
    ERRORS: dict[str, type[OAuth2Error]] = {
        "invalid_request": InvalidRequestError, "unauthorized_client": UnauthorizedClientError,
        "invalid_grant": InvalidGrantError, "invalid_scope": InvalidScopeError,
        "invalid_target": InvalidTargetError}

    def validate_token_request(self) -> None:
        self.request.client = self.authenticate_token_endpoint_client()

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        form = self.request.form
        scope = form.get("scope")
        ask = exchange.ExchangeRequest(
            subject_token=form.get("subject_token"),
            subject_token_type=form.get("subject_token_type"),
            actor_token=form.get("actor_token"), actor_token_type=form.get("actor_token_type"),
            requested_token_type=form.get("requested_token_type"),
            audiences=tuple(form.getlist("audience")),
            resources=tuple(form.getlist("resource")),
            scopes=tuple(scope_to_list(scope) or ()) if scope is not None else None)
        try:
            issued = exchange.exchange(self.request.client.facts, ask)
        except exchange.ExchangeRefused as exc:
            raise self.ERRORS[exc.error](exc.description) from exc
        return 200, exchange.response_fields(issued), self.TOKEN_RESPONSE_HEADER


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(CONFIDENTIAL_METHODS)

    def validate_token_request(self) -> None:
        super().validate_token_request()
        self.request.resource = requested_resource(self.request)


class IDToken(OpenIDCode):
    """id_tokens: sub = pairwise openid, aud = appid, signed with the current key."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return current_store().nonce_used(request.client.app_id, nonce)

    def resolve_client_private_key(self, client: Any) -> Any:
        return keys.load(keys.current_row(keys.signing_algorithm()))

    def get_client_algorithm(self, client: Any) -> str:
        return keys.signing_algorithm()

    def get_encode_header(self, client: Any) -> dict[str, str]:
        row = keys.current_row(keys.signing_algorithm())
        return {"alg": row.alg, "kid": row.kid, "typ": "JWT"}

    def get_client_claims(self, client: Any) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": issuer(), "aud": client.get_client_id(), "iat": now,
                "exp": now + int(current_app.config["ZC_ID_TOKEN_TTL"])}

    def get_authorization_code_claims(self, authorization_code: Any) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        if authorization_code.sid:  # OIDC Back-Channel / RP-Initiated Logout: the session
            claims["sid"] = authorization_code.sid
        return claims

    def encode_id_token(self, token: dict[str, Any], request: Any) -> Any:
        # The subject is the pairwise openid the token response carries (save_token put it
        # there); it rides on this request only while the id_token is encoded.
        user = request.user
        request.user = _Subject(user, str(token.get("openid") or ""))
        try:
            return super().encode_id_token(token, request)
        finally:
            request.user = user

    def generate_user_info(self, user: Any, scope: str) -> UserInfo:
        scopes = scope_to_list(scope) or []
        return UserInfo(sub=user.openid, **profile_claims(user.user, scopes),
                        **email_claims(user.user, scopes))


@dataclass(frozen=True)
class _Subject:
    user: User
    openid: str


class S256Only(CodeChallenge):
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # plain is refused (RFC 9700)

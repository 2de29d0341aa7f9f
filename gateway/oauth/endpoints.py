"""Authlib endpoints wired to the token store: revocation (RFC 7009), introspection (RFC 7662)
and the `iss` authorization response parameter (RFC 9207)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from sqlalchemy import select

from gateway.extensions import db
from gateway.oauth import resources, tokens
from gateway.oauth.authorize import issuer
from gateway.oauth.grants import CONFIDENTIAL_METHODS
from gateway.oauth.models import OAuthToken
from gateway.oauth.store import TokenRow, current_store
from gateway.security.secrets import digest
from gateway.timeutil import utcnow


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        return issuer()


@dataclass(frozen=True)
class _Revocable:
    row: TokenRow

    def check_client(self, client: Any) -> bool:
        return getattr(client, "app_id", None) == self.row.app_id


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = [*CONFIDENTIAL_METHODS, "none"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> _Revocable | None:
        row = tokens.find_token(token_string, token_type_hint)
        return None if row is None else _Revocable(row)

    def revoke_token(self, token: _Revocable, request: Any) -> None:
        tokens.revoke_token(token.row)


@dataclass(frozen=True)
class Introspected:
    """What introspection reports about a token pair."""

    app_id: int
    scopes: tuple[str, ...]
    openid: str | None
    created_at: datetime
    expires_at: datetime
    revoked: bool
    audience: str | None = None
    jkt: str | None = None  # DPoP: the key the pair is bound to

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = list(CONFIDENTIAL_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> Introspected | None:
        if not token_string or len(token_string) > tokens.MAX_TOKEN_LENGTH:
            return None
        token_digest = digest(token_string)
        if token_type_hint != "refresh_token":
            check = current_store().access_check(token_digest)  # the store's cache answers
            if check is not None:
                return Introspected(check.app_id, check.scopes, check.openid, check.created_at,
                                    check.expires_at, check.revoked, check.audience,
                                    check.jkt)
        row = db.session.scalar(select(OAuthToken).where(
            OAuthToken.refresh_digest == token_digest))
        if row is None and token_type_hint == "refresh_token":
            check = current_store().access_check(token_digest)
            if check is not None:
                return Introspected(check.app_id, check.scopes, check.openid, check.created_at,
                                    check.expires_at, check.revoked, check.audience,
                                    check.jkt)
        if row is None:
            return None
        return Introspected(row.app_id, tuple(row.scopes), row.openid, row.created_at,
                            row.expires_at, row.revoked_at is not None, row.audience, row.jkt)

    def check_permission(self, token: Introspected, client: Any, request: Any) -> bool:
        return token.app_id == client.app_id  # only the client's own tokens

    def introspect_token(self, token: Introspected) -> dict[str, Any]:
        facts = current_store().client_by_id(token.app_id)
        appid = facts.appid if facts else None
        body: dict[str, Any] = {
                "active": True, "client_id": appid,
                "token_type": "DPoP" if token.jkt else "Bearer",
                "scope": " ".join(token.scopes), "sub": token.openid,
                "aud": token.audience or resources.platform_resource(),
                "iss": issuer(), "exp": calendar.timegm(token.expires_at.utctimetuple()),
                "iat": calendar.timegm(token.created_at.utctimetuple())}
        if token.jkt:  # RFC 9449 §6.2: the confirmation a resource server checks proofs by
            body["cnf"] = {"jkt": token.jkt}
        return body

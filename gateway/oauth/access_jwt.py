"""RFC 9068 JWT access tokens: the claims and the signature.

An app whose `access_token_format` is "jwt" receives its access tokens as JWTs signed with the
platform's keys (gateway/oauth/keys.py, ZC_ACCESS_TOKEN_ALG). The token store still keeps only
the SHA-256 digest of the whole JWT, so every resource endpoint checks a JWT exactly as an opaque
token (one digest lookup) and a revoked JWT is refused at once, whatever its `exp` says.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from joserfc import jwt

from gateway import public_url
from gateway.oauth import keys, resources
from gateway.security.secrets import new_hex32

TYP = "at+jwt"


def _seconds(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple())


def claims(*, appid: str, subject: str, scopes: list[str], issued_at: datetime,
           expires_at: datetime, audience: str | None = None, act: dict[str, Any] | None = None,
           authentication: dict[str, Any] | None = None) -> dict[str, Any]:
    """The RFC 9068 §2.2 claims: iss, exp, aud, sub, client_id, iat, jti, scope, and
    auth_time / acr / amr when the login they come from is known."""
    body: dict[str, Any] = {
        "iss": public_url.issuer(), "exp": _seconds(expires_at),
        "aud": audience or resources.platform_resource(), "sub": subject, "client_id": appid,
        "iat": _seconds(issued_at), "jti": new_hex32(), "scope": " ".join(scopes)}
    for name, value in (authentication or {}).items():
        if value:
            body[name] = value
    if act:
        body["act"] = act
    return body


def encode(body: dict[str, Any]) -> str:
    """Sign the claims with the current key of the access token algorithm (typ at+jwt)."""
    alg = keys.access_token_algorithm()
    row = keys.current_row(alg)
    return jwt.encode({"alg": alg, "kid": row.kid, "typ": TYP}, body, keys.load(row))

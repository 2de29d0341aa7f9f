"""id_token verification against a JWKS (OpenID Connect Core §3.1.3.7), with joserfc."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from ._exceptions import IDTokenError
from ._tokens import IDTokenClaims

#: Signing algorithms accepted for id_tokens; never "none", never HMAC with the app key.
ALGORITHMS = ("RS256", "ES256")
#: Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds.
LEEWAY = 60


class UnknownKeyError(IDTokenError):
    """The id_token's `kid` is not in the JWKS (the keys may have rotated: refetch once)."""


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unverified_header(id_token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, not yet verified."""
    parts = id_token.split(".")
    if len(parts) != 3:
        raise IDTokenError("id_token is not a compact JWS")
    try:
        header = json.loads(_b64decode(parts[0]))
    except (ValueError, binascii.Error) as exc:
        raise IDTokenError("id_token header is not valid base64url JSON") from exc
    if not isinstance(header, dict):
        raise IDTokenError("id_token header is not a JSON object")
    return header


def _select_key(jwks: Mapping[str, Any], header: Mapping[str, Any]) -> Any:
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise IDTokenError(f"id_token alg {alg!r} is not allowed (expected one of {ALGORITHMS})")
    usable = [k for k in jwks.get("keys", [])
              if isinstance(k, dict) and k.get("use", "sig") == "sig"]
    try:
        keyset = KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError) as exc:
        raise IDTokenError(f"JWKS could not be read: {exc}") from exc
    kid = header.get("kid")
    if kid is None and len(keyset.keys) != 1:
        raise IDTokenError("id_token has no kid and the JWKS has more than one key")
    try:
        return keyset.get_by_kid(kid)
    except JoseError as exc:
        raise UnknownKeyError(f"no key with kid {kid!r} in the JWKS") from exc


def verify_id_token(
    id_token: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str,
    audience: str,
    nonce: str | None,
    now: float,
    leeway: int = LEEWAY,
) -> IDTokenClaims:
    """Verify signature, `iss`, `aud`/`azp`, `exp`, `iat` and `nonce`; return the claims."""
    header = unverified_header(id_token)
    key = _select_key(jwks, header)
    try:
        decoded = jwt.decode(id_token, key, algorithms=[str(header["alg"])])
    except JoseError as exc:
        raise IDTokenError(f"id_token signature is invalid: {exc.error}") from exc
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        now=int(now),
        leeway=leeway,
        iss={"essential": True, "value": issuer},
        sub={"essential": True},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise IDTokenError("id_token has expired") from exc
    except JoseError as exc:
        raise IDTokenError(f"id_token claims are invalid: {exc.description or exc.error}") from exc
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != audience:
        raise IDTokenError("id_token has several audiences and azp is not this app")
    if nonce is not None:
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got, nonce):
            raise IDTokenError("id_token nonce does not match the one sent")
    return IDTokenClaims(
        sub=str(claims["sub"]),
        iss=str(claims["iss"]),
        aud=tuple(aud) if isinstance(aud, list) else str(aud),
        exp=int(claims["exp"]),
        iat=int(claims["iat"]) if "iat" in claims else None,
        nonce=claims.get("nonce"),
        auth_time=int(claims["auth_time"]) if "auth_time" in claims else None,
        claims=claims,
    )

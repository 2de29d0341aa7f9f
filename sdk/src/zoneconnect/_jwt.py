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
from joserfc.jwt import ClaimsOption

from ._exceptions import IDTokenError, LogoutTokenError
from ._tokens import IDTokenClaims, LogoutTokenClaims

#: Signing algorithms accepted for id_tokens; never "none", never HMAC with the app key.
ALGORITHMS = ("RS256", "ES256")
#: Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds.
LEEWAY = 60
#: The back-channel logout event (OpenID Connect Back-Channel Logout 1.0 §2.4).
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: The logout token's explicit type (§2.4: `typ: logout+jwt`).
LOGOUT_TYP = "logout+jwt"
#: How old (by `iat`) a logout token may be when it arrives, in seconds.
LOGOUT_TOKEN_MAX_AGE = 600


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


def _verified_claims(token: str, jwks: Mapping[str, Any], *, issuer: str, audience: str,
                     now: float, leeway: int, error: type[IDTokenError], what: str,
                     require_sub: bool = False) -> dict[str, Any]:
    """Signature (RS256/ES256 from the JWKS only), `iss`, `aud`, `exp` and `iat` checked."""
    try:
        header = unverified_header(token)
        key = _select_key(jwks, header)
    except UnknownKeyError:
        raise
    except IDTokenError as exc:
        raise error(str(exc).replace("id_token", what)) from exc
    try:
        decoded = jwt.decode(token, key, algorithms=[str(header["alg"])])
    except JoseError as exc:
        raise error(f"{what} signature is invalid: {exc.error}") from exc
    claims = dict(decoded.claims)
    options: dict[str, ClaimsOption] = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": audience},
        "exp": {"essential": True},
    }
    if require_sub:
        options["sub"] = {"essential": True}
    registry = jwt.JWTClaimsRegistry(now=int(now), leeway=leeway, **options)
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise error(f"{what} has expired") from exc
    except JoseError as exc:
        raise error(f"{what} claims are invalid: {exc.description or exc.error}") from exc
    iat = claims.get("iat")
    if iat is not None and (not isinstance(iat, int) or iat > now + leeway):
        raise error(f"{what} was issued in the future")
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != audience:
        raise error(f"{what} has several audiences and azp is not this app")
    return claims


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
    claims = _verified_claims(id_token, jwks, issuer=issuer, audience=audience, now=now,
                              leeway=leeway, error=IDTokenError, what="id_token",
                              require_sub=True)
    aud = claims["aud"]
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


def verify_logout_token(
    logout_token: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str,
    audience: str,
    now: float,
    leeway: int = LEEWAY,
    max_age: int = LOGOUT_TOKEN_MAX_AGE,
) -> LogoutTokenClaims:
    """Verify a back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.6) as
    strictly as an id_token, then: `typ` logout+jwt when given (an id_token is not a logout
    token), `iat` within `max_age`, a `jti`, the back-channel logout event, `sid` and/or `sub`,
    and no `nonce`. Replayed `jti`s are the receiver's to refuse (it keeps what it has seen)."""
    header = unverified_header(logout_token)
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in (LOGOUT_TYP, "application/" + LOGOUT_TYP):
        raise LogoutTokenError(f"logout token typ {typ!r} is not {LOGOUT_TYP!r}")
    claims = _verified_claims(logout_token, jwks, issuer=issuer, audience=audience, now=now,
                              leeway=leeway, error=LogoutTokenError, what="logout token")
    iat = claims.get("iat")
    if not isinstance(iat, int) or iat < now - max_age - leeway:
        raise LogoutTokenError("logout token has no iat or is too old")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise LogoutTokenError("logout token has no back-channel logout event")
    if "nonce" in claims:
        raise LogoutTokenError("logout token must not carry a nonce")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise LogoutTokenError("logout token has no jti")
    sid, sub = claims.get("sid"), claims.get("sub")
    if not (isinstance(sid, str) and sid) and not (isinstance(sub, str) and sub):
        raise LogoutTokenError("logout token names neither a sid nor a sub")
    if (sid is not None and not isinstance(sid, str)) or (
            sub is not None and not isinstance(sub, str)):
        raise LogoutTokenError("logout token sid and sub must be strings")
    aud = claims["aud"]
    return LogoutTokenClaims(
        iss=str(claims["iss"]),
        aud=tuple(aud) if isinstance(aud, list) else str(aud),
        iat=iat,
        exp=int(claims["exp"]),
        jti=jti,
        sid=sid or None,
        sub=sub or None,
        claims=claims,
    )

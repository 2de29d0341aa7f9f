"""DPoP (RFC 9449): one place that validates a proof, mints and checks server nonces.

A proof is a JWT in the `DPoP` header, signed with an asymmetric key whose public half is in
its own `jwk` header. Checked here, in this order: one header, compact JWS, `typ` dpop+jwt, an
allowed asymmetric `alg`, a public-only `jwk` of the alg's key type, the signature, `htm` (the
request's method), `htu` (the request's public URL, normalized, without query or fragment),
`iat` within ZC_DPOP_IAT_LEEWAY seconds, `ath` (the access token's SHA-256) on resource
requests, the server's nonce where ZC_DPOP_NONCE asks for one, and last the `jti`: first use
only (gateway/oauth/dpop_replay.py: Redis when REDIS_URL is set, else this process, bounded).

Nonces are stateless: an HMAC (keyed from SECRET_KEY) of the current time slot of
ZC_DPOP_NONCE_TTL seconds, so every instance checks another's; the current and previous slot
are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, request
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from gateway import public_url
from gateway.i18n import N_
from gateway.oauth import dpop_replay

# Asymmetric algorithms only (RFC 9449 §4.2): never `none`, never an HMAC. EdDSA is accepted
# under its fully specified name (RFC 9864); the polymorphic "EdDSA" is deprecated.
ALGORITHMS = ("ES256", "ES384", "PS256", "RS256", "Ed25519")
_KEY_TYPES = {"ES256": ("EC", "P-256"), "ES384": ("EC", "P-384"), "PS256": ("RSA", None),
              "RS256": ("RSA", None), "Ed25519": ("OKP", "Ed25519")}
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MAX_PROOF_LENGTH = 8192
MAX_JTI_LENGTH = 256
_JKT_LENGTH = 43  # base64url of a SHA-256 thumbprint (RFC 7638)


def _registry(algorithms: list[str]) -> jws.JWSRegistry:
    registry = jws.JWSRegistry(algorithms=algorithms)
    # A proof's header carries its public key: an RSA jwk alone is over joserfc's 512-byte
    # default; the whole proof stays under MAX_PROOF_LENGTH.
    registry.max_header_length = MAX_PROOF_LENGTH
    return registry


_REGISTRIES = {alg: _registry([alg]) for alg in ALGORITHMS}
_PARSER = _registry(list(ALGORITHMS))  # parses any proof we might accept


class DPoPProblem(Exception):
    """The proof is refused: `error` is the RFC 9449 code, `description` a marked msgid."""

    error = "invalid_dpop_proof"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class UseNonce(DPoPProblem):
    """The proof lacks the server's current nonce (RFC 9449 §8, §9): retry with `nonce`."""

    error = "use_dpop_nonce"

    def __init__(self) -> None:
        super().__init__(N_("A DPoP nonce provided by the server is required."))


@dataclass(frozen=True)
class Proof:
    """A valid proof: the thumbprint of its key (what tokens are bound to), its jti and iat."""

    jkt: str
    jti: str
    iat: int


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def access_token_hash(token: str) -> str:
    """The `ath` of an access token: base64url(SHA-256(ASCII token))."""
    return b64url(hashlib.sha256(token.encode("ascii", "replace")).digest())


def valid_jkt(value: str | None) -> bool:
    """Whether a value has the shape of a JWK SHA-256 thumbprint (authorize's dpop_jkt)."""
    return (value is not None and len(value) == _JKT_LENGTH
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in value))


# -- nonces ------------------------------------------------------------------------------------


def nonce_required(resource: bool) -> bool:
    """Whether proofs sent here need the server's nonce (ZC_DPOP_NONCE: token, all or none)."""
    mode = str(current_app.config["ZC_DPOP_NONCE"])
    return mode == "all" or (mode == "token" and not resource)


def _nonce_secret() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"zc-dpop-nonce", hashlib.sha256).digest()


@lru_cache(maxsize=16)
def _nonce_for(secret: bytes, slot: int) -> str:
    mac = hmac.new(secret, slot.to_bytes(8, "big"), hashlib.sha256).digest()[:18]
    return f"{slot:x}.{b64url(mac)}"


def _slot(now: float) -> int:
    return int(now) // max(1, int(current_app.config["ZC_DPOP_NONCE_TTL"]))


def current_nonce(now: float | None = None) -> str:
    """The nonce to hand out now (the `DPoP-Nonce` response header)."""
    return _nonce_for(_nonce_secret(), _slot(time.time() if now is None else now))


def nonce_valid(value: object, now: float | None = None) -> bool:
    """A nonce of this server from the current or the previous time slot."""
    if not isinstance(value, str) or len(value) > 64 or "." not in value:
        return False
    try:
        slot = int(value.split(".", 1)[0], 16)
    except ValueError:
        return False
    current = _slot(time.time() if now is None else now)
    return slot in {current, current - 1} and hmac.compare_digest(
        value, _nonce_for(_nonce_secret(), slot))


# -- proofs ------------------------------------------------------------------------------------


def normalized_url(url: str) -> str | None:
    """scheme://host[:port]/path, lower-cased scheme and host, default port dropped, no query
    or fragment (RFC 9449 §4.3, RFC 3986 §6.2.2-6.2.3); None when not an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def request_urls() -> frozenset[str]:
    """The URLs a proof may name for this request: its path under the public URL and under the
    issuer (configured in production; the request's host only outside it)."""
    path = request.script_root + request.path
    bases = {public_url.public_url(), public_url.issuer()}
    return frozenset(u for u in (normalized_url(b + path) for b in bases) if u)


@lru_cache(maxsize=1024)
def _imported(jwk_json: str) -> tuple[Any, str]:
    """A public JWK imported, with its thumbprint (a client signs many proofs with one key)."""
    key = JWKRegistry.import_key(json.loads(jwk_json))
    return key, str(key.thumbprint())


def _public_key(header: dict[str, Any]) -> tuple[Any, str]:
    alg = header.get("alg")
    if alg not in _KEY_TYPES:
        raise DPoPProblem(N_("The DPoP proof must be signed with an asymmetric algorithm "
                             "the server supports."))
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or _PRIVATE_MEMBERS & jwk.keys():
        raise DPoPProblem(N_("The DPoP proof's jwk header must be a public key."))
    kty, crv = _KEY_TYPES[alg]
    if (jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv)
            or (kty == "RSA" and len(str(jwk.get("n", ""))) < 342)):  # < 2048 bits
        raise DPoPProblem(N_("The DPoP proof's key does not fit its algorithm."))
    try:
        return _imported(json.dumps(jwk, sort_keys=True, separators=(",", ":")))
    except (JoseError, ValueError, TypeError) as exc:
        raise DPoPProblem(N_("The DPoP proof's jwk header must be a public key.")) from exc


def _signed_claims(value: str) -> tuple[str, dict[str, Any]]:
    try:
        compact = jws.extract_compact(value.encode("ascii"), registry=_PARSER)
        header = compact.headers()
    except (JoseError, ValueError, UnicodeError) as exc:
        raise DPoPProblem(N_("The DPoP proof is not a signed JWT.")) from exc
    if header.get("typ") != "dpop+jwt":
        raise DPoPProblem(N_("The DPoP proof's typ header must be dpop+jwt."))
    key, jkt = _public_key(header)
    try:
        valid = jws.validate_compact(compact, key, registry=_REGISTRIES[header["alg"]])
        claims = json.loads(compact.payload) if valid else None
    except (JoseError, ValueError) as exc:
        raise DPoPProblem(N_("The DPoP proof's signature does not verify.")) from exc
    if claims is None:
        raise DPoPProblem(N_("The DPoP proof's signature does not verify."))
    if not isinstance(claims, dict):
        raise DPoPProblem(N_("The DPoP proof is not a signed JWT."))
    return jkt, claims


def verify(value: str, *, method: str, urls: frozenset[str], access_token: str | None,
           with_nonce: bool, now: float | None = None) -> Proof:
    """Check one proof for a request (see the module's docstring); its key's thumbprint."""
    now = time.time() if now is None else now
    if not value or len(value) > MAX_PROOF_LENGTH or value.count(".") != 2:
        raise DPoPProblem(N_("The DPoP proof is not a signed JWT."))
    jkt, claims = _signed_claims(value)
    jti, iat = claims.get("jti"), claims.get("iat")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise DPoPProblem(N_("The DPoP proof needs a jti."))
    if claims.get("htm") != method:
        raise DPoPProblem(N_("The DPoP proof's htm is not this request's method."))
    htu = claims.get("htu")
    if not isinstance(htu, str) or normalized_url(htu) not in urls:
        raise DPoPProblem(N_("The DPoP proof's htu is not this request's URL."))
    leeway = int(current_app.config["ZC_DPOP_IAT_LEEWAY"])
    if (not isinstance(iat, int | float) or isinstance(iat, bool)
            or abs(now - iat) > leeway):
        raise DPoPProblem(N_("The DPoP proof's iat is too old or in the future."))
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
                ath.encode("ascii", "replace"), access_token_hash(access_token).encode()):
            raise DPoPProblem(N_("The DPoP proof's ath is not the hash of this access token."))
    if with_nonce and not nonce_valid(claims.get("nonce"), now):
        raise UseNonce()
    if not dpop_replay.first_use(jkt, jti, int(iat), ttl=2 * leeway + 5):
        raise DPoPProblem(N_("The DPoP proof was already used."))
    return Proof(jkt, jti, int(iat))


def from_request(*, access_token: str | None = None) -> Proof | None:
    """The request's proof, checked (resource requests name the token they present); None
    when the request carries no `DPoP` header."""
    values = request.headers.getlist("DPoP")
    if not values:
        return None
    if len(values) > 1:
        raise DPoPProblem(N_("Send exactly one DPoP proof."))
    return verify(values[0], method=request.method, urls=request_urls(),
                  access_token=access_token,
                  with_nonce=nonce_required(resource=access_token is not None))

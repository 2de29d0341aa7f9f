"""DPoP (RFC 9449): a key per client, a fresh proof on every token and API request, and the
server's nonces remembered per origin (a `use_dpop_nonce` answer is retried once with it).

Sans-I/O like the rest: `Signer.sign(spec)` returns the spec with its `DPoP` header, and
`Signer.observe(response)` reads the nonce a response hands out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from joserfc import jws
from joserfc.jwk import ECKey

from ._sansio import RequestSpec

__all__ = ["DPoPKey"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class DPoPKey:
    """An ES256 key pair that the client's tokens are bound to.

    `DPoPKey()` makes a new one. Tokens bound to a key work only with proofs signed by it:
    to keep using saved tokens after a restart, save `to_jwk()` (private: store it like a
    secret) and load it with `DPoPKey.from_jwk(...)`.
    """

    alg = "ES256"

    def __init__(self, key: ECKey | None = None) -> None:
        self._key = key or ECKey.generate_key("P-256")
        self._public = self._key.as_dict(private=False)
        self.thumbprint: str = self._key.thumbprint()

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> DPoPKey:
        """Load a key saved with `to_jwk()`."""
        return cls(ECKey.import_key(dict(jwk)))

    def to_jwk(self) -> dict[str, Any]:
        """The private key as a JWK (keep it secret)."""
        return dict(self._key.as_dict(private=True))

    def proof(self, method: str, url: str, *, access_token: str | None = None,
              nonce: str | None = None, now: float | None = None) -> str:
        """A DPoP proof JWT for one request (`htu` without query or fragment)."""
        parts = urlsplit(url)
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16), "htm": method.upper(),
            "htu": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            "iat": int(time.time() if now is None else now)}
        if access_token is not None:
            claims["ath"] = _b64url(hashlib.sha256(access_token.encode("ascii")).digest())
        if nonce is not None:
            claims["nonce"] = nonce
        header = {"typ": "dpop+jwt", "alg": self.alg, "jwk": self._public}
        return jws.serialize_compact(header, json.dumps(claims), self._key)

    def __repr__(self) -> str:
        return f"DPoPKey(thumbprint={self.thumbprint!r})"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class Signer:
    """Adds proofs to the requests that need them and remembers nonces, per client."""

    def __init__(self, key: DPoPKey, clock: Callable[[], float]) -> None:
        self.key = key
        self._clock = clock
        self._nonces: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def applies(spec: RequestSpec) -> bool:
        """Token requests, and API requests made with a DPoP-bound token."""
        auth = str(spec.headers.get("Authorization", ""))
        return spec.dpop or auth[:5].lower() == "dpop "

    def sign(self, spec: RequestSpec) -> RequestSpec:
        """The spec with a fresh proof (a new jti for every attempt)."""
        auth = str(spec.headers.get("Authorization", ""))
        token = auth[5:].strip() if auth[:5].lower() == "dpop " else None
        with self._lock:
            nonce = self._nonces.get(_origin(spec.url))
        proof = self.key.proof(spec.method, spec.url, access_token=token, nonce=nonce,
                               now=self._clock())
        return replace(spec, headers={**spec.headers, "DPoP": proof})

    def observe(self, spec: RequestSpec, response: httpx.Response) -> bool:
        """Remember the response's `DPoP-Nonce`; True when it asks for a retry with it."""
        nonce = response.headers.get("dpop-nonce")
        if not nonce:
            return False
        with self._lock:
            self._nonces[_origin(spec.url)] = nonce
        if response.status_code not in {400, 401}:
            return False
        if 'error="use_dpop_nonce"' in response.headers.get("www-authenticate", ""):
            return True
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("error") == "use_dpop_nonce"

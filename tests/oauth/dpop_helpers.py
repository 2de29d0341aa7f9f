"""A DPoP key holder for tests: signs proofs (good ones and every kind of bad one) with joserfc,
and runs the code flow to a DPoP-bound token through the real pages and token endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any

from flask.testing import FlaskClient
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from tests.oauth.conftest import NATIVE_REDIRECT, Browser, pkce_pair, query_of

BASE = "http://localhost"


def ath(token: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=").decode()


class Holder:
    """A client's DPoP key pair."""

    def __init__(self, alg: str = "ES256") -> None:
        self.alg = alg
        if alg == "ES256":
            self.key: Any = ECKey.generate_key("P-256")
        elif alg in {"RS256", "PS256"}:
            self.key = RSAKey.generate_key(2048)
        elif alg == "Ed25519":
            self.key = OKPKey.generate_key("Ed25519")
        else:
            raise ValueError(alg)
        self.nonce: str | None = None

    @property
    def jkt(self) -> str:
        return str(self.key.thumbprint())

    def proof(self, method: str, url: str, *, token: str | None = None,
              nonce: str | None = None, iat: float | None = None, jti: str | None = None,
              header: dict[str, Any] | None = None, claims: dict[str, Any] | None = None,
              drop: tuple[str, ...] = ()) -> str:
        protected = {"typ": "dpop+jwt", "alg": self.alg,
                     "jwk": self.key.as_dict(private=False), **(header or {})}
        payload: dict[str, Any] = {"jti": jti or secrets.token_urlsafe(16), "htm": method,
                                   "htu": url if "://" in url else BASE + url,
                                   "iat": int(time.time() if iat is None else iat)}
        if token is not None:
            payload["ath"] = ath(token)
        if nonce or self.nonce:
            payload["nonce"] = nonce or self.nonce
        payload.update(claims or {})
        for name in drop:
            payload.pop(name, None)
        return jws.serialize_compact(protected, json.dumps(payload), self.key,
                                     algorithms=[protected["alg"]])


def hmac_proof(method: str, url: str) -> str:
    """A proof MACed with a symmetric key (HS256): never acceptable."""
    key = OctKey.generate_key(256)
    protected = {"typ": "dpop+jwt", "alg": "HS256", "jwk": {"kty": "oct"}}
    payload = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": BASE + url,
               "iat": int(time.time())}
    return jws.serialize_compact(protected, json.dumps(payload), key, algorithms=["HS256"])


def unsigned_proof(holder: Holder, method: str, url: str) -> str:
    """alg none: header and payload with an empty signature."""
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    header = {"typ": "dpop+jwt", "alg": "none", "jwk": holder.key.as_dict(private=False)}
    payload = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": BASE + url,
               "iat": int(time.time())}
    return f"{part(header)}.{part(payload)}."


def post_token(client: FlaskClient, holder: Holder | None, data: dict[str, str],
               **headers: str) -> Any:
    """POST /oauth2/token with a fresh proof; a use_dpop_nonce answer is retried once with
    the nonce it carries (as RFC 9449 §8 clients do)."""
    for _attempt in range(2):
        sent = dict(headers)
        if holder is not None:
            sent["DPoP"] = holder.proof("POST", "/oauth2/token")
        response = client.post("/oauth2/token", data=data, headers=sent)
        if holder is not None and "DPoP-Nonce" in response.headers:
            holder.nonce = response.headers["DPoP-Nonce"]
        body = response.get_json(silent=True) or {}
        if body.get("error") != "use_dpop_nonce":
            return response
    return response


def native_code(browser: Browser, app: Any, **extra: str) -> tuple[str, str]:
    """Log alice in, consent on /oauth2/authorize for a public app; (code, verifier)."""
    verifier, challenge = pkce_pair()
    browser.login()
    response = browser.consent("/oauth2/authorize", {
        "response_type": "code", "client_id": app.appid, "redirect_uri": NATIVE_REDIRECT,
        "scope": "openid get_user_info", "code_challenge": challenge,
        "code_challenge_method": "S256", "state": "s1", **extra})
    assert response.status_code == 302, response.get_data(as_text=True)
    return query_of(response.headers["Location"])["code"], verifier


def native_tokens(client: FlaskClient, browser: Browser, app: Any, holder: Holder | None,
                  **extra: str) -> dict[str, Any]:
    """A public app's token response (DPoP-bound when `holder` is given)."""
    code, verifier = native_code(browser, app, **extra)
    response = post_token(client, holder, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": NATIVE_REDIRECT,
        "client_id": app.appid, "code_verifier": verifier})
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body

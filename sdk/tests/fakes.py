"""A scripted, in-memory ZoneConnect provider served through `httpx.MockTransport`."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from joserfc import jws, jwt
from joserfc.jwk import ECKey, RSAKey

BASE = "http://zc.test"
APP_ID = "101000001"
APP_KEY = "0123456789ABCDEF0123456789ABCDEF"
REDIRECT_URI = "https://app.example/callback"
OPENID = "805CFCB3AFEA40CA7CE4B6D8A8668793"
UNIONID = "UID_" + "A" * 32
NOW = 1_800_000_000.0

Responder = Callable[[httpx.Request], httpx.Response]


def hex32() -> str:
    """A token-shaped value: 32 uppercase hex characters."""
    return secrets.token_hex(16).upper()


def s256(verifier: str) -> str:
    """The PKCE S256 challenge, computed independently of the SDK."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def error(status: int, code: str, description: str = "", **extra: Any) -> httpx.Response:
    """A contract-shaped JSON error."""
    body = {"error": code, "error_description": description, "request_id": "req-1", **extra}
    headers = {"X-Request-ID": "req-1"}
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{code}"'
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class Keys:
    """Signing keys shared by the whole test session."""

    rsa: RSAKey
    ec: ECKey
    other_rsa: RSAKey

    def named(self) -> dict[str, RSAKey | ECKey]:
        """The keys by the names the tests use."""
        return {"rsa": self.rsa, "ec": self.ec, "other": self.other_rsa}


SIBLING_APP_ID = "101000077"  # another app of the same developer (token exchange)


@dataclass
class FakeProvider:
    """Answers like the server in docs/api-contract.md; `queue` scripts one-off answers."""

    keys: Keys
    clock: Callable[[], float]
    requests: list[httpx.Request] = field(default_factory=list)
    queue: dict[tuple[str, str], deque[Responder | httpx.Response | Exception]] = field(
        default_factory=lambda: defaultdict(deque))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh -> openid
    published: list[str] = field(default_factory=lambda: ["rsa", "ec"])
    discovery_extra: dict[str, Any] = field(default_factory=dict)
    id_token_extra: dict[str, Any] = field(default_factory=dict)  # e.g. the session's sid

    # -- scripting ------------------------------------------------------------------------------

    def push(self, method: str, path: str,
             *answers: Responder | httpx.Response | Exception) -> None:
        """Answer the next requests to `method path` with these, in order, then the defaults."""
        self.queue[(method, path)].extend(answers)

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested so far (optionally of one method)."""
        return [r.url.path for r in self.requests if method is None or r.method == method]

    def count(self, method: str, path: str) -> int:
        """How many requests were made to `method path`."""
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def issue_code(self, challenge: str, *, scopes: str = "get_user_info",
                   nonce: str | None = None, redirect_uri: str = REDIRECT_URI) -> str:
        """What the authorize endpoint would do after consent: mint a code."""
        code = hex32()
        self.codes[code] = {"challenge": challenge, "scope": scopes, "nonce": nonce,
                            "redirect_uri": redirect_uri}
        return code

    def id_token(self, *, key: str = "rsa", kid: str | None = None, alg: str | None = None,
                 **claims: Any) -> str:
        """Sign an id_token; claims override the valid defaults."""
        signing = self.keys.named()[key]
        algorithm = alg or ("ES256" if key == "ec" else "RS256")
        now = int(self.clock())
        body: dict[str, Any] = {"iss": BASE, "sub": OPENID, "aud": APP_ID, "iat": now,
                                "exp": now + 600, "auth_time": now}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        header = {"alg": algorithm, "kid": kid or signing.kid}
        return jwt.encode(header, body, signing, algorithms=[algorithm])

    def logout_token(self, *, key: str = "rsa", kid: str | None = None, alg: str | None = None,
                     typ: str | None = "logout+jwt", **claims: Any) -> str:
        """Sign a back-channel logout token as the platform does; claims override the valid
        defaults (None removes one)."""
        signing = self.keys.named()[key]
        algorithm = alg or ("ES256" if key == "ec" else "RS256")
        now = int(self.clock())
        body: dict[str, Any] = {
            "iss": BASE, "aud": APP_ID, "iat": now, "exp": now + 120, "jti": hex32(),
            "sid": "zc-session-1", "sub": OPENID,
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        header = {"alg": algorithm, "kid": kid or signing.kid}
        if typ is not None:
            header["typ"] = typ
        # jws, not jwt.encode: that one would add typ JWT where none is wanted.
        payload = json.dumps(body, separators=(",", ":")).encode()
        return jws.serialize_compact(header, payload, signing, algorithms=[algorithm])

    # -- transport ------------------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler."""
        request.read()
        self.requests.append(request)
        scripted = self.queue.get((request.method, request.url.path))
        if scripted:
            answer = scripted.popleft()
            if isinstance(answer, Exception):
                raise answer
            return answer(request) if callable(answer) else answer
        route = getattr(self, "_" + request.method.lower() + request.url.path.replace("/", "_")
                        .replace(".", "_").replace("-", "_"), None)
        if route is None:
            return error(404, "not_found", f"no route {request.method} {request.url.path}")
        response: httpx.Response = route(request)
        return response

    def transport(self) -> httpx.MockTransport:
        """A transport for httpx.Client or httpx.AsyncClient."""
        return httpx.MockTransport(self.handler)

    # -- default routes -------------------------------------------------------------------------

    def _get__well_known_openid_configuration(self, request: httpx.Request) -> httpx.Response:
        doc = {
            "issuer": BASE,
            "authorization_endpoint": BASE + "/oauth2/authorize",
            "token_endpoint": BASE + "/oauth2/token",
            "userinfo_endpoint": BASE + "/oauth2/userinfo",
            "jwks_uri": BASE + "/.well-known/jwks.json",
            "revocation_endpoint": BASE + "/oauth2/revoke",
            "scopes_supported": ["openid", "get_user_info", "add_share"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            **self.discovery_extra,
        }
        return httpx.Response(200, json=doc)

    def _get__well_known_jwks_json(self, request: httpx.Request) -> httpx.Response:
        keys = self.keys.named()
        public = [keys[name].as_dict(private=False) for name in self.published]
        return httpx.Response(200, json={"keys": public})

    def _token_response(self, openid: str, scope: str, nonce: str | None) -> httpx.Response:
        access, refresh = hex32(), hex32()
        self.access_tokens.add(access)
        self.refresh_tokens[refresh] = openid
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer",
                                "expires_in": 7776000, "refresh_token": refresh,
                                "scope": scope, "openid": openid, "unionid": UNIONID}
        if "openid" in scope.split():
            body["id_token"] = self.id_token(nonce=nonce, **self.id_token_extra)
        return httpx.Response(200, json=body)

    def _post_oauth2_token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        auth = request.headers.get("authorization", "")
        if auth != "Basic " + base64.b64encode(f"{APP_ID}:{APP_KEY}".encode()).decode():
            if form.get("client_id") != APP_ID or auth:
                return error(401, "invalid_client", "client authentication failed")
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return error(400, "invalid_grant", "code is invalid or used", ret=100019)
            if s256(form.get("code_verifier", "")) != grant["challenge"]:
                return error(400, "invalid_grant", "PKCE verification failed")
            return self._token_response(OPENID, grant["scope"], grant["nonce"])
        if form.get("grant_type") == "refresh_token":
            openid = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if openid is None:
                return error(400, "invalid_grant", "refresh token is invalid", ret=100036)
            return self._token_response(openid, "get_user_info add_share", None)
        if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange":
            return self._exchange(form)
        return error(400, "unsupported_grant_type", "")

    def _exchange(self, form: dict[str, str]) -> httpx.Response:
        """RFC 8693 as the server answers it: a token for the sibling app SIBLING_APP_ID."""
        if form.get("audience") != SIBLING_APP_ID:
            return error(400, "invalid_target", "the target must be another of your apps")
        if form.get("subject_token") not in self.access_tokens:
            return error(400, "invalid_request", "subject_token is invalid, expired or revoked")
        access = hex32()
        self.access_tokens.add(access)
        return httpx.Response(200, json={
            "access_token": access, "token_type": "Bearer", "expires_in": 600,
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "scope": form.get("scope", "get_user_info")})

    def _post_oauth2_revoke(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.access_tokens.discard(form.get("token", ""))
        self.refresh_tokens.pop(form.get("token", ""), None)
        return httpx.Response(200)

    def _bearer_ok(self, request: httpx.Request) -> bool:
        auth = request.headers.get("authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in self.access_tokens

    def _get_api_v1_me(self, request: httpx.Request) -> httpx.Response:
        if not self._bearer_ok(request):
            return error(401, "invalid_token", "access token is illegal", ret=100013)
        return httpx.Response(200, json={
            "openid": OPENID, "unionid": None, "nickname": "Alice", "gender": "female",
            "province": "Guangdong", "city": "Shenzhen", "birth_year": 1990,
            "avatars": {s: f"{BASE}/avatars/k/{s}" for s in ("30", "40", "50", "100", "640")},
        })

    def _post_api_v1_shares(self, request: httpx.Request) -> httpx.Response:
        if not self._bearer_ok(request):
            return error(401, "invalid_token", "access token is illegal", ret=100013)
        body = json.loads(request.content)
        share = {"id": "42", "summary": None, "comment": None, "images": [], "site": None,
                 "fromurl": None, "created_at": "2026-11-22T10:00:00Z", **body}
        return httpx.Response(201, json=share)


def order_json(**overrides: Any) -> dict[str, Any]:
    """An order body as the contract shows it."""
    order = {"order_id": "ord_1", "status": "pending", "amount": 60, "item_id": "sword-1",
             "item_name": "Sword", "openid": OPENID,
             "confirm_url": f"{BASE}/pay/orders/ord_1/confirm", "notify_url": None,
             "created_at": "2026-11-22T10:00:00Z", "paid_at": None, "refunded_at": None}
    order.update(overrides)
    return order

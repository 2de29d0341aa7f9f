"""A relying party of the OpenID Foundation's Basic OP plan, on the Flask test client: the
requests the plan's modules send, and the checks its conditions make (id_token signature with the
published JWKS, iss, aud, exp, iat, nonce, at_hash, auth_time)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.apps.services import create_app
from gateway.extensions import db
from tests.conftest import Auth, csrf_from

ISSUER = "http://localhost"
REDIRECT_URI = "https://rp.example/callback"


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: the left half of SHA-256 of the token, base64url."""
    half = hashlib.sha256(access_token.encode()).digest()[:16]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode()


@dataclass
class Request:
    """One authorization request as the plan's client makes it (state, nonce, PKCE S256)."""

    params: dict[str, str]
    verifier: str
    state: str
    nonce: str | None


@dataclass
class Rp:
    """The conformance suite's client: a registered confidential app and alice's browser."""

    client: FlaskClient
    auth: Auth
    appid: str
    appkey: str
    app: Any
    developer: Any = None
    discovery: dict[str, Any] = field(default_factory=dict)

    def request(self, *, nonce: bool = True, **params: str | None) -> Request:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        state, nonce_value = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        full: dict[str, str | None] = {
            "response_type": "code", "client_id": self.appid, "scope": "openid",
            "redirect_uri": REDIRECT_URI, "state": state,
            "nonce": nonce_value if nonce else None,
            "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256",
            **params}
        kept = {k: v for k, v in full.items() if v is not None}
        return Request(kept, verifier, state, kept.get("nonce"))

    def url(self, request: Request) -> str:
        return "/oauth2/authorize?" + urlencode(request.params)

    def log_in(self, username: str = "alice") -> None:
        assert self.auth.login(username).status_code == 302

    def callback(self, request: Request, url: str | None = None) -> dict[str, str]:
        """Open the authorization URL as the logged-in user; consent (all boxes) if asked;
        the callback's query (checked: our redirect URI, our state, the issuer)."""
        target = url or self.url(request)
        page = self.client.get(target)
        if page.status_code == 200:
            html = page.get_data(as_text=True)
            scopes = re.findall(r'name="approved_scope" value="([^"]+)"', html)
            page = self.client.post(target, data={"csrf_token": csrf_from(html),
                                                  "approved_scope": scopes, "confirm": "yes"})
        assert page.status_code == 302, page.get_data(as_text=True)[:500]
        location = page.headers["Location"]
        assert location.startswith(REDIRECT_URI + "?"), location
        answer = query_of(location)
        assert answer["state"] == request.state and answer["iss"] == ISSUER
        return answer

    def token(self, data: dict[str, str], *, method: str = "client_secret_basic") -> Any:
        if method == "client_secret_basic":
            return self.client.post("/oauth2/token", data=data, auth=(self.appid, self.appkey))
        return self.client.post("/oauth2/token", data={**data, "client_id": self.appid,
                                                       "client_secret": self.appkey})

    def redeem(self, request: Request, code: str, *,
               method: str = "client_secret_basic") -> dict[str, Any]:
        response = self.token({"grant_type": "authorization_code", "code": code,
                               "redirect_uri": REDIRECT_URI, "code_verifier": request.verifier},
                              method=method)
        assert response.status_code == 200, response.get_json()
        assert response.headers["Cache-Control"] == "no-store"
        return dict(response.get_json())

    def flow(self, *, method: str = "client_secret_basic", nonce: bool = True,
             **params: str | None) -> tuple[Request, dict[str, Any], dict[str, Any]]:
        """A whole code flow (alice logged in): the request, the token response, the
        id_token's verified claims."""
        request = self.request(nonce=nonce, **params)
        answer = self.callback(request)
        tokens = self.redeem(request, answer["code"], method=method)
        return request, tokens, self.id_token(tokens, request)

    def jwks(self) -> KeySet:
        return KeySet.import_key_set(self.client.get("/.well-known/jwks.json").get_json())

    def id_token(self, tokens: dict[str, Any], request: Request) -> dict[str, Any]:
        """Verify the id_token as the plan does; its claims."""
        raw = tokens["id_token"]
        token = jwt.decode(raw, self.jwks(),
                           algorithms=self.discovery["id_token_signing_alg_values_supported"])
        claims = dict(token.claims)
        assert claims["iss"] == ISSUER and claims["aud"] == self.appid
        assert claims["iat"] <= claims["exp"] and isinstance(claims["auth_time"], int)
        assert claims.get("nonce") == request.nonce
        assert claims["at_hash"] == at_hash(tokens["access_token"])
        return claims

    def userinfo(self, access_token: str, how: str = "get") -> Any:
        if how == "get":
            return self.client.get("/oauth2/userinfo",
                                   headers={"Authorization": f"Bearer {access_token}"})
        if how == "post_header":
            return self.client.post("/oauth2/userinfo",
                                    headers={"Authorization": f"Bearer {access_token}"})
        return self.client.post("/oauth2/userinfo", data={"access_token": access_token})


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Back-channel logout tokens go to a receiver of the test's on loopback.
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True}


@pytest.fixture
def rp(client: FlaskClient, auth: Auth, factory: Any) -> Rp:
    """The plan's static client (a live web app) and alice, a user with a full profile."""
    developer = factory.user("devon")
    factory.user("alice", nickname="Alice", gender="female", city="Shenzhen",
                 province="Guangdong")
    factory.user("bob", nickname="Bob")
    app, appkey = create_app(developer, name="Conformance RP", redirect_uris=[REDIRECT_URI],
                             live=True)
    db.session.commit()
    found = Rp(client, auth, app.appid or "", appkey, app, developer)
    found.discovery = client.get("/.well-known/openid-configuration").get_json()
    return found

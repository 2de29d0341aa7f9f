"""id_token amr/acr after one or two factors, acr_values, and the `email` scope, through a real
OAuth client (Authlib's httpx client) and the real pages."""

from __future__ import annotations

from typing import Any

import pyotp
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.accounts.models import UserSession
from gateway.extensions import db
from gateway.mfa.models import TotpFactor
from gateway.mfa.state import ACR_MFA, ACR_PWD
from tests.oauth.test_oidc_flow import CSRF, _browser, _client, _consent

SCOPE = "openid profile email"


def _totp_for(app: Any, user: Any) -> pyotp.TOTP:
    """Give the user an authenticator app (as the security page does) and return it."""
    from gateway.mfa import sealing

    secret = pyotp.random_base32()
    with app.test_request_context("/"):
        db.session.add(TotpFactor(user_id=user.id, sealed_secret=sealing.seal(secret, str(user.id)),
                                  confirmed_at=db.func.now()))
        db.session.commit()
    return pyotp.TOTP(secret)


def _run(app: Any, world: Any, discovery: dict[str, Any], totp: pyotp.TOTP | None = None,
         **extra: str) -> tuple[Any, dict[str, Any]]:
    client = _client(app, world, scope=SCOPE)
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"],
                                             code_verifier=verifier, **extra)
    with _browser(app) as browser:
        page = browser.get("/login")
        answer = browser.post("/login", data={"username": "alice", "password": "password123",
                                              "csrf_token": CSRF.search(page.text)[1]})
        if totp is not None:
            assert answer.headers["Location"] == "/login/verify"
            form = browser.get("/login/verify")
            browser.post("/login/verify", data={"code": totp.now(),
                                                "csrf_token": CSRF.search(form.text)[1]})
        callback = _consent(browser, url)
    token = client.fetch_token(discovery["token_endpoint"], authorization_response=callback,
                               code_verifier=verifier)
    with _browser(app) as anonymous:
        keyset = KeySet.import_key_set(anonymous.get(discovery["jwks_uri"]).json())
    return client, jwt.decode(token["id_token"], keyset, algorithms=["RS256"]).claims


def test_a_password_login_says_pwd(app, world, discovery):
    _, claims = _run(app, world, discovery)
    assert claims["amr"] == ["pwd"] and claims["acr"] == ACR_PWD


def test_two_factors_say_mfa(app, world, discovery):
    _, claims = _run(app, world, discovery, totp=_totp_for(app, world.user))
    assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == ACR_MFA


def test_discovery_lists_acr_values_and_claims(discovery):
    assert discovery["acr_values_supported"] == [ACR_PWD, ACR_MFA]
    assert {"amr", "acr", "email", "email_verified"} <= set(discovery["claims_supported"])
    assert "email" in discovery["scopes_supported"]


def test_email_scope_in_userinfo_and_id_token(app, world, discovery):
    client, claims = _run(app, world, discovery)
    assert claims["email"] == "alice@example.test" and claims["email_verified"] is True
    info = client.get(discovery["userinfo_endpoint"]).json()
    assert info["email"] == "alice@example.test" and info["email_verified"] is True


def test_without_the_email_scope_no_address(app, world, discovery):
    client = _client(app, world, scope="openid profile")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"],
                                             code_verifier=verifier)
    with _browser(app) as browser:
        page = browser.get("/login")
        browser.post("/login", data={"username": "alice", "password": "password123",
                                     "csrf_token": CSRF.search(page.text)[1]})
        callback = _consent(browser, url)
    client.fetch_token(discovery["token_endpoint"], authorization_response=callback,
                       code_verifier=verifier)
    info = client.get(discovery["userinfo_endpoint"]).json()
    assert "email" not in info and "email_verified" not in info


def test_consent_page_says_the_address_is_shared(app, world, discovery):
    client = _client(app, world, scope=SCOPE)
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"],
                                             code_verifier=generate_token(48))
    with _browser(app) as browser:
        page = browser.get("/login")
        browser.post("/login", data={"username": "alice", "password": "password123",
                                     "csrf_token": CSRF.search(page.text)[1]})
        consent = browser.get(url).text
    assert "See your email address and whether it is verified" in consent


def test_acr_values_asks_a_one_factor_session_for_the_second(app, world, discovery):
    totp = _totp_for(app, world.user)
    client = _client(app, world, scope=SCOPE)
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"],
                                             code_verifier=generate_token(48),
                                             acr_values=ACR_MFA)
    with _browser(app) as browser:
        page = browser.get("/login")
        browser.post("/login", data={"username": "alice", "password": "password123",
                                     "csrf_token": CSRF.search(page.text)[1]})
        form = browser.get("/login/verify")
        browser.post("/login/verify", data={"code": totp.now(),
                                            "csrf_token": CSRF.search(form.text)[1]})
        record = db.session.query(UserSession).filter(UserSession.ended_at.is_(None)).one()
        record.amr = "pwd"  # a session that proved one factor only
        db.session.commit()
        answer = browser.get(url)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login/verify?next=/oauth2/authorize")

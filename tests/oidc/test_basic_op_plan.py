"""The OpenID Foundation's `oidcc-basic-certification-test-plan`, one test per module of the plan
(static client, `client_secret_basic` unless the module says otherwise), plus the traps that make
providers fail certification. Each docstring names the module and the rule it checks.

Modules the plan skips for this server, and why: `oidcc-scope-address` and `oidcc-scope-phone`
(neither scope is in `scopes_supported`; the plan skips an unlisted scope, and this server refuses
it with invalid_scope as its own rule says), `oidcc-idtoken-unsigned` (the plan runs it only for a
client registered with `id_token_signed_response_alg=none`, which this server never offers).
"""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from joserfc import jws, jwt
from joserfc.errors import JoseError
from sqlalchemy import select

from gateway.extensions import db
from gateway.oauth.models import OAuthCode
from tests.oidc.conftest import ISSUER, REDIRECT_URI, Rp, query_of

# No token sent: the bare challenges of both schemes the server takes (RFC 6750 §3.1, RFC 9449
# §7.1), no error code.
BOTH_SCHEMES = 'Bearer, DPoP algs="ES256 ES384 PS256 RS256 Ed25519"'



def jwt_part(value: dict[str, Any]) -> str:
    """One base64url JSON part of a compact JWS."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _redirect_error(rp: Rp, **params: str | None) -> dict[str, str]:
    request = rp.request(**params)
    response = rp.client.get(rp.url(request))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    answer = query_of(response.headers["Location"])
    assert response.headers["Location"].startswith(REDIRECT_URI)
    assert answer["state"] == request.state and answer["iss"] == ISSUER
    return answer


# --- oidcc-server and the client authentication methods --------------------------------------


def test_oidcc_server(rp: Rp) -> None:
    """oidcc-server: discovery, the code flow with client_secret_basic, a verified id_token
    (signature, iss, aud, exp, iat, nonce, at_hash, auth_time), userinfo's sub."""
    assert rp.discovery["issuer"] == ISSUER
    assert "code" in rp.discovery["response_types_supported"]
    rp.log_in()
    _, tokens, claims = rp.flow()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    assert claims["sub"] == rp.userinfo(tokens["access_token"]).get_json()["sub"]


def test_oidcc_server_client_secret_post(rp: Rp) -> None:
    """oidcc-server-client-secret-post: the same flow, credentials in the body."""
    assert "client_secret_post" in rp.discovery["token_endpoint_auth_methods_supported"]
    rp.log_in()
    _, tokens, claims = rp.flow(method="client_secret_post")
    assert claims["aud"] == rp.appid and tokens["access_token"]


def test_oidcc_response_type_missing(rp: Rp) -> None:
    """oidcc-response-type-missing: an error back to the client, never a code."""
    rp.log_in()
    answer = _redirect_error(rp, response_type=None)
    assert answer["error"] in ("unsupported_response_type", "invalid_request")
    assert "code" not in answer


# --- id_token -----------------------------------------------------------------------------------


def test_oidcc_idtoken_signature(rp: Rp) -> None:
    """oidcc-idtoken-signature: signed with an advertised algorithm under a published kid; a
    changed payload no longer verifies."""
    rp.log_in()
    _, tokens, _ = rp.flow()
    header = jws.extract_compact(tokens["id_token"].encode()).headers()
    assert header["alg"] in rp.discovery["id_token_signing_alg_values_supported"]
    assert header["kid"] in {key["kid"] for key in
                             rp.client.get("/.well-known/jwks.json").get_json()["keys"]}
    head, payload, signature = tokens["id_token"].split(".")
    forged_payload = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises((JoseError, ValueError)):
        jwt.decode(f"{head}.{forged_payload}.{signature}", rp.jwks(),
                   algorithms=rp.discovery["id_token_signing_alg_values_supported"])


def test_oidcc_idtoken_unsigned_is_never_issued(rp: Rp) -> None:
    """oidcc-idtoken-unsigned (as this server answers it): `none` is neither advertised nor
    used, and an unsigned id_token_hint is not taken for the user it names."""
    assert "none" not in rp.discovery["id_token_signing_alg_values_supported"]
    rp.log_in()
    _, tokens, claims = rp.flow()
    assert jws.extract_compact(tokens["id_token"].encode()).headers()["alg"] != "none"
    rp.auth.logout()
    rp.log_in("bob")
    unsigned = ".".join(
        jwt_part(part) for part in ({"alg": "none"}, {"iss": ISSUER, "aud": rp.appid,
                                                       "sub": claims["sub"]})) + "."
    answer = _redirect_error(rp, prompt="none", id_token_hint=unsigned)
    assert answer["error"] == "consent_required"  # judged as bob's request: the hint ignored


# --- userinfo -----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["get", "post_header"])
def test_oidcc_userinfo(rp: Rp, how: str) -> None:
    """oidcc-userinfo-get, oidcc-userinfo-post-header: the token in the header, GET or POST;
    sub equals the id_token's."""
    rp.log_in()
    _, tokens, claims = rp.flow(scope="openid profile")
    response = rp.userinfo(tokens["access_token"], how)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["sub"] == claims["sub"] and body["nickname"] == "Alice"


def test_oidcc_userinfo_post_body_is_refused_cleanly(rp: Rp) -> None:
    """oidcc-userinfo-post-body: the form-body token is optional (RFC 6750 §2.2 "MAY"; the
    plan warns, not fails) and this server takes Bearer tokens only in the header
    (docs/oauth-security.md): a 401 with the challenge, never a 500 or another user's data."""
    rp.log_in()
    _, tokens, _ = rp.flow(scope="openid profile")
    response = rp.userinfo(tokens["access_token"], "post_body")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == BOTH_SCHEMES


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(rp: Rp) -> None:
    """oidcc-ensure-request-without-nonce-succeeds-for-code-flow: nonce is optional for code."""
    rp.log_in()
    _, _, claims = rp.flow(nonce=False)
    assert "nonce" not in claims


# --- scopes -------------------------------------------------------------------------------------


def test_oidcc_scope_profile(rp: Rp) -> None:
    """oidcc-scope-profile: the profile claims at userinfo."""
    rp.log_in()
    _, tokens, _ = rp.flow(scope="openid profile")
    body = rp.userinfo(tokens["access_token"]).get_json()
    assert body["nickname"] == "Alice" and body["gender"] == "female" and "name" in body
    assert "email" not in body


def test_oidcc_scope_email(rp: Rp) -> None:
    """oidcc-scope-email: email and email_verified at userinfo."""
    rp.log_in()
    _, tokens, _ = rp.flow(scope="openid email")
    body = rp.userinfo(tokens["access_token"]).get_json()
    assert body["email"] == "alice@example.test" and body["email_verified"] is True
    assert "nickname" not in body


@pytest.mark.parametrize("scope", ["address", "phone"])
def test_oidcc_scope_address_and_phone_are_skipped_as_unsupported(rp: Rp, scope: str) -> None:
    """oidcc-scope-address, oidcc-scope-phone: not in scopes_supported (the plan skips them);
    asked anyway, they are refused rather than silently dropped (this server's own rule)."""
    assert scope not in rp.discovery["scopes_supported"]
    rp.log_in()
    assert _redirect_error(rp, scope=f"openid {scope}")["error"] == "invalid_scope"


def test_oidcc_scope_all(rp: Rp) -> None:
    """oidcc-scope-all: every supported OIDC scope at once."""
    wanted = [s for s in ("openid", "profile", "email", "address", "phone")
              if s in rp.discovery["scopes_supported"]]
    rp.log_in()
    _, tokens, _ = rp.flow(scope=" ".join(wanted))
    body = rp.userinfo(tokens["access_token"]).get_json()
    assert body["nickname"] == "Alice" and body["email"] == "alice@example.test"


def test_oidcc_ensure_other_scope_order_succeeds(rp: Rp) -> None:
    """oidcc-ensure-other-scope-order-succeeds: `email openid` works like `openid email`."""
    rp.log_in()
    _, tokens, _ = rp.flow(scope="email openid")
    assert rp.userinfo(tokens["access_token"]).get_json()["email"] == "alice@example.test"


# --- display, prompt, max_age --------------------------------------------------------------------


@pytest.mark.parametrize("display", ["page", "popup"])
def test_oidcc_display(rp: Rp, display: str) -> None:
    """oidcc-display-page, oidcc-display-popup: accepted; the user still sees the pages."""
    login = rp.client.get(rp.url(rp.request(display=display)))
    assert login.headers["Location"].startswith("/login?next=")
    rp.log_in()
    _, _, claims = rp.flow(display=display)
    assert claims["aud"] == rp.appid


def test_oidcc_prompt_login(rp: Rp) -> None:
    """oidcc-prompt-login: a logged-in user logs in again; auth_time moves forward."""
    from gateway.accounts.models import UserSession

    rp.log_in()
    for record in db.session.scalars(select(UserSession)):  # that login was 10 s ago
        record.authenticated_at -= timedelta(seconds=10)
    db.session.commit()
    _, _, first = rp.flow()
    request = rp.request(prompt="login")
    response = rp.client.get(rp.url(request))
    assert response.headers["Location"].startswith("/login?next=")
    target = query_of(response.headers["Location"])["next"]
    rp.auth.login("alice", next=target)
    answer = rp.callback(request, target)
    claims = rp.id_token(rp.redeem(request, answer["code"]), request)
    assert claims["auth_time"] > first["auth_time"]


def _later(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    """Move the clock the login records forward (auth_time has a one-second grain)."""
    from gateway import timeutil

    real = timeutil.utcnow
    monkeypatch.setattr(timeutil, "utcnow", lambda: real() + timedelta(seconds=seconds))
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + seconds)


def test_oidcc_prompt_none_not_logged_in(rp: Rp) -> None:
    """oidcc-prompt-none-not-logged-in: login_required, no page."""
    answer = _redirect_error(rp, prompt="none")
    assert answer["error"] == "login_required"


def test_oidcc_prompt_none_logged_in(rp: Rp) -> None:
    """oidcc-prompt-none-logged-in: a code at once for a user who already consented."""
    rp.log_in()
    rp.flow()
    request = rp.request(prompt="none")
    response = rp.client.get(rp.url(request))
    assert response.status_code == 302
    answer = query_of(response.headers["Location"])
    assert "code" in answer and answer["state"] == request.state
    rp.id_token(rp.redeem(request, answer["code"]), request)


def test_oidcc_max_age_1(rp: Rp, monkeypatch: pytest.MonkeyPatch) -> None:
    """oidcc-max-age-1: a login older than a second is asked again; auth_time is in the
    id_token."""
    rp.log_in()
    rp.flow()
    _later(monkeypatch, 5)
    request = rp.request(max_age="1")
    response = rp.client.get(rp.url(request))
    assert response.headers["Location"].startswith("/login?next=")


def test_oidcc_max_age_10000(rp: Rp) -> None:
    """oidcc-max-age-10000: no new login; auth_time present and not in the future."""
    rp.log_in()
    rp.flow()
    _, _, claims = rp.flow(max_age="10000")
    assert claims["auth_time"] <= time.time() + 1


# --- parameters the OP may ignore ---------------------------------------------------------------


def test_oidcc_ensure_request_with_unknown_parameter_succeeds(rp: Rp) -> None:
    """oidcc-ensure-request-with-unknown-parameter-succeeds."""
    rp.log_in()
    _, _, claims = rp.flow(extra_parameter="ignored-by-the-op")
    assert claims["aud"] == rp.appid


def test_oidcc_id_token_hint(rp: Rp) -> None:
    """oidcc-id-token-hint: prompt=none with the id_token of the session's user gives a code."""
    rp.log_in()
    _, tokens, _ = rp.flow()
    request = rp.request(prompt="none", id_token_hint=tokens["id_token"])
    response = rp.client.get(rp.url(request))
    answer = query_of(response.headers["Location"])
    assert "code" in answer, answer
    # The same hint while bob is logged in names someone else: login_required.
    rp.auth.logout()
    rp.log_in("bob")
    other = _redirect_error(rp, prompt="none", id_token_hint=tokens["id_token"])
    assert other["error"] == "login_required"


def test_oidcc_login_hint(rp: Rp) -> None:
    """oidcc-login-hint: the hint goes through the login page and the flow completes."""
    request = rp.request(login_hint="alice")
    target = query_of(rp.client.get(rp.url(request)).headers["Location"])["next"]
    assert "login_hint=alice" in target
    rp.auth.login("alice", next=target)
    rp.id_token(rp.redeem(request, rp.callback(request, target)["code"]), request)


def test_oidcc_ui_locales(rp: Rp) -> None:
    """oidcc-ui-locales: the pages follow ui_locales (zh-CN: Simplified Chinese)."""
    rp.log_in()
    request = rp.request(ui_locales="zh-CN")
    page = rp.client.get(rp.url(request))
    assert page.status_code == 200 and 'lang="zh-Hans"' in page.get_data(as_text=True)
    rp.id_token(rp.redeem(request, rp.callback(request)["code"]), request)


def test_oidcc_claims_locales(rp: Rp) -> None:
    """oidcc-claims-locales: accepted (claims have one language here), the flow succeeds."""
    rp.log_in()
    _, tokens, _ = rp.flow(scope="openid profile", claims_locales="zh-CN")
    assert rp.userinfo(tokens["access_token"]).get_json()["nickname"] == "Alice"


def test_oidcc_ensure_request_with_acr_values_succeeds(rp: Rp) -> None:
    """oidcc-ensure-request-with-acr-values-succeeds: an acr the account cannot meet does not
    fail the request; the id_token says which acr was met."""
    rp.log_in()
    _, _, claims = rp.flow(acr_values="1 2")
    assert claims.get("acr") in rp.discovery["acr_values_supported"]


def test_oidcc_claims_essential(rp: Rp) -> None:
    """oidcc-claims-essential: `claims` is not supported (discovery says so); the request
    still succeeds and userinfo answers with what the scopes allow."""
    assert rp.discovery["claims_parameter_supported"] is False
    rp.log_in()
    claims = json.dumps({"userinfo": {"name": {"essential": True}}})
    _, tokens, _ = rp.flow(scope="openid profile", claims=claims)
    assert "name" in rp.userinfo(tokens["access_token"]).get_json()


# --- codes, redirect URIs, POST, request objects -----------------------------------------------


def test_oidcc_codereuse(rp: Rp) -> None:
    """oidcc-codereuse: a code works once; the second redemption fails."""
    rp.log_in()
    request = rp.request()
    code = rp.callback(request)["code"]
    rp.redeem(request, code)
    again = rp.token({"grant_type": "authorization_code", "code": code,
                      "redirect_uri": REDIRECT_URI, "code_verifier": request.verifier})
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert again.headers["Cache-Control"] == "no-store"


def test_oidcc_codereuse_30seconds(rp: Rp) -> None:
    """oidcc-codereuse-30seconds: reused 30 s later, the code also revokes what it issued:
    the access token stops working at userinfo and the refresh token is refused."""
    rp.log_in()
    request = rp.request()
    code = rp.callback(request)["code"]
    tokens = rp.redeem(request, code)
    row = db.session.scalars(select(OAuthCode)).one()
    row.used_at = row.used_at - timedelta(seconds=30) if row.used_at else None
    db.session.commit()
    again = rp.token({"grant_type": "authorization_code", "code": code,
                      "redirect_uri": REDIRECT_URI, "code_verifier": request.verifier})
    assert again.get_json()["error"] == "invalid_grant"
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    refresh = rp.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 400 and refresh.get_json()["error"] == "invalid_grant"


def test_oidcc_ensure_registered_redirect_uri(rp: Rp) -> None:
    """oidcc-ensure-registered-redirect-uri: an unregistered URI is an error page, never a
    redirect."""
    rp.log_in()
    for uri in (REDIRECT_URI + "/x", "https://rp.example/callback?x=1", "https://evil.example/"):
        response = rp.client.get(rp.url(rp.request(redirect_uri=uri)))
        assert response.status_code == 400 and "Location" not in response.headers, uri


def test_oidcc_ensure_redirect_uri_in_authorization_request(rp: Rp) -> None:
    """oidcc-ensure-redirect-uri-in-authorization-request: without redirect_uri, a page."""
    rp.log_in()
    response = rp.client.get(rp.url(rp.request(redirect_uri=None)))
    assert response.status_code == 400 and "Location" not in response.headers


def test_oidcc_ensure_post_request_succeeds(rp: Rp) -> None:
    """oidcc-ensure-post-request-succeeds: the authorization request POSTed as a form."""
    rp.log_in()
    rp.flow()  # consented once, so the POSTed request can come straight back
    request = rp.request()
    response = rp.client.post("/oauth2/authorize", data=request.params)
    assert response.status_code == 303
    answer = rp.callback(request, response.headers["Location"])
    rp.id_token(rp.redeem(request, answer["code"]), request)


def test_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(
        rp: Rp) -> None:
    """oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: discovery
    says request objects are not supported, and one is refused with request_not_supported."""
    assert rp.discovery["request_parameter_supported"] is False
    rp.log_in()
    unsigned = jwt_part({"alg": "none"}) + "." + jwt_part({"scope": "openid"}) + "."
    assert _redirect_error(rp, request=unsigned)["error"] == "request_not_supported"


def test_oidcc_request_uri_unsigned_supported_correctly_or_rejected_as_unsupported(
        rp: Rp) -> None:
    """oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported: a request_uri
    to fetch is not supported (only PAR's URNs are); refused with request_uri_not_supported."""
    assert rp.discovery["request_uri_parameter_supported"] is False
    rp.log_in()
    answer = _redirect_error(rp, request_uri="https://rp.example/request.jwt")
    assert answer["error"] == "request_uri_not_supported"


# --- refresh, PKCE -----------------------------------------------------------------------------


def test_oidcc_refresh_token(rp: Rp) -> None:
    """oidcc-refresh-token: the refresh token rotates; the new access token works; an id_token
    on refresh, if any, keeps iss, sub, aud and auth_time (OIDC Core §12.2)."""
    rp.log_in()
    _, tokens, claims = rp.flow()
    response = rp.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    renewed = response.get_json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert rp.userinfo(renewed["access_token"]).get_json()["sub"] == claims["sub"]
    if "id_token" in renewed:
        again = jwt.decode(renewed["id_token"], rp.jwks()).claims
        assert {k: again[k] for k in ("iss", "sub", "aud", "auth_time")} == {
            k: claims[k] for k in ("iss", "sub", "aud", "auth_time")}


def test_pkce(rp: Rp) -> None:
    """PKCE S256 (advertised): a wrong or missing verifier does not redeem the code."""
    assert rp.discovery["code_challenge_methods_supported"] == ["S256"]
    rp.log_in()
    request = rp.request()
    code = rp.callback(request)["code"]
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    wrong = rp.token({**base, "code_verifier": "x" * 50})
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    missing = rp.token(base)
    assert missing.status_code == 400
    rp.redeem(request, code)  # the failures did not burn it


# --- traps ------------------------------------------------------------------------------------


def test_trap_auth_time_in_code_flow_id_tokens(rp: Rp) -> None:
    """auth_time is in every code-flow id_token (with or without max_age) and is the login's."""
    rp.log_in()
    _, _, plain = rp.flow()
    _, _, with_max_age = rp.flow(max_age="600")
    assert plain["auth_time"] == with_max_age["auth_time"] <= time.time()


def test_trap_token_responses_are_not_cached(rp: Rp) -> None:
    """Cache-Control: no-store on every token response, errors included (RFC 6749 §5.1)."""
    rp.log_in()
    request = rp.request()
    rp.redeem(request, rp.callback(request)["code"])  # asserts no-store on success
    refused = rp.token({"grant_type": "authorization_code", "code": "nope",
                        "redirect_uri": REDIRECT_URI})
    assert refused.status_code == 400 and refused.headers["Cache-Control"] == "no-store"


def test_trap_userinfo_errors_carry_www_authenticate(rp: Rp) -> None:
    """RFC 6750 §3: 401 with `WWW-Authenticate: Bearer error="invalid_token"` for a bad token,
    a bare `Bearer` challenge when none was sent."""
    bad = rp.userinfo("not-a-token")
    assert bad.status_code == 401
    assert bad.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    missing = rp.client.get("/oauth2/userinfo")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == BOTH_SCHEMES


def test_trap_discovery_states_request_object_support(rp: Rp) -> None:
    """request_parameter_supported and request_uri_parameter_supported are stated (absent,
    request_uri_parameter_supported would mean true), and agree with the endpoint."""
    assert rp.discovery["request_parameter_supported"] is False
    assert rp.discovery["request_uri_parameter_supported"] is False
    assert rp.discovery["claims_parameter_supported"] is False

"""Discovery says exactly what works: for every capability `/.well-known/openid-configuration`
advertises, a request that uses it succeeds (and one that uses a value it does not advertise,
where the difference matters, is refused).

`CHECKS` holds one check per metadata key. A key with no check fails
`test_every_advertised_key_has_a_check`: whoever advertises something new (a logout flag, DPoP
algorithms, a grant type...) adds the request that proves it here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from gateway.apps.scopes import SCOPES
from gateway.apps.services import create_app
from gateway.extensions import db
from tests.conftest import csrf_from
from tests.oidc.conftest import ISSUER, REDIRECT_URI, Rp, query_of

NATIVE_REDIRECT = "http://127.0.0.1/callback"


@pytest.fixture
def meta(rp: Rp) -> dict[str, Any]:
    return rp.discovery


@pytest.fixture
def every_scope(rp: Rp) -> Rp:
    """The plan's client, granted every scope of the platform."""
    full, key = create_app(rp.developer, name="Every Scope", redirect_uris=[REDIRECT_URI],
                           scopes=list(SCOPES), live=True)
    db.session.commit()
    return Rp(rp.client, rp.auth, full.appid or "", key, full, rp.developer, rp.discovery)


def _path(url: str) -> str:
    assert url.startswith(ISSUER + "/"), url
    return urlsplit(url).path


def _native(rp: Rp) -> Any:
    app, _ = create_app(rp.developer, name="Phone", redirect_uris=[NATIVE_REDIRECT],
                        app_type="native", live=True)
    db.session.commit()
    return app


# --- one check per metadata key --------------------------------------------------------------


def check_issuer(rp: Rp, value: str) -> None:
    rp.log_in()
    assert value == ISSUER and rp.flow()[2]["iss"] == value


def check_authorization_endpoint(rp: Rp, value: str) -> None:
    request = rp.request()
    assert rp.url(request).startswith(_path(value) + "?")
    rp.log_in()
    assert "code" in rp.callback(request)


def check_token_endpoint(rp: Rp, value: str) -> None:
    assert _path(value) == "/oauth2/token"
    rp.log_in()
    assert rp.flow()[1]["access_token"]


def check_userinfo_endpoint(rp: Rp, value: str) -> None:
    rp.log_in()
    tokens = rp.flow()[1]
    answer = rp.client.get(_path(value), headers={
        "Authorization": "Bearer " + tokens["access_token"]})
    assert answer.status_code == 200 and answer.get_json()["sub"]


def check_jwks_uri(rp: Rp, value: str) -> None:
    keys = rp.client.get(_path(value)).get_json()["keys"]
    assert keys and all("d" not in key for key in keys)  # public halves only
    rp.log_in()
    rp.flow()  # verifies the id_token with these keys


def check_revocation_endpoint(rp: Rp, value: str) -> None:
    rp.log_in()
    tokens = rp.flow()[1]
    answer = rp.client.post(_path(value), data={"token": tokens["access_token"]},
                            auth=(rp.appid, rp.appkey))
    assert answer.status_code == 200
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def check_introspection_endpoint(rp: Rp, value: str) -> None:
    rp.log_in()
    tokens = rp.flow()[1]
    answer = rp.client.post(_path(value), data={"token": tokens["access_token"]},
                            auth=(rp.appid, rp.appkey)).get_json()
    assert answer["active"] is True and answer["client_id"] == rp.appid


def _device_tokens(rp: Rp, endpoint: str, grant_type: str) -> dict[str, Any]:
    started = rp.client.post(endpoint, data={"scope": "get_user_info"},
                             auth=(rp.appid, rp.appkey))
    assert started.status_code == 200, started.get_json()
    device = started.get_json()
    rp.log_in()
    page = rp.client.get("/device", query_string={"user_code": device["user_code"]})
    html = page.get_data(as_text=True)
    scopes = re.findall(r'name="approved_scope" value="([^"]+)"', html)
    decided = rp.client.post("/device", data={"csrf_token": csrf_from(html), "confirm": "yes",
                                              "user_code": device["user_code"],
                                              "approved_scope": scopes})
    assert decided.status_code == 200
    answer = rp.token({"grant_type": grant_type, "device_code": device["device_code"]})
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def check_device_authorization_endpoint(rp: Rp, value: str) -> None:
    tokens = _device_tokens(rp, _path(value), "urn:ietf:params:oauth:grant-type:device_code")
    assert tokens["access_token"]


def check_end_session_endpoint(rp: Rp, value: str) -> None:
    rp.log_in()
    tokens = rp.flow()[1]
    answer = rp.client.get(_path(value), query_string={"id_token_hint": tokens["id_token"]})
    assert answer.status_code in (200, 302), answer.status_code
    assert rp.client.get("/account/profile").status_code == 302  # logged out


def check_pushed_authorization_request_endpoint(rp: Rp, value: str) -> None:
    request = rp.request()
    pushed = rp.client.post(_path(value), data=request.params, auth=(rp.appid, rp.appkey))
    assert pushed.status_code == 201, pushed.get_json()
    rp.log_in()
    url = "/oauth2/authorize?" + "&".join(
        f"{k}={v}" for k, v in (("client_id", rp.appid),
                                ("request_uri", pushed.get_json()["request_uri"])))
    answer = rp.callback(request, url)
    rp.id_token(rp.redeem(request, answer["code"]), request)


def check_require_pushed_authorization_requests(rp: Rp, value: bool) -> None:
    assert value is False  # then a plain request of an app that did not opt in works
    rp.log_in()
    assert "code" in rp.callback(rp.request())


def check_scopes_supported(rp: Rp, value: list[str]) -> None:
    assert set(value) == set(SCOPES)
    rp.log_in()
    for scope in value:
        request = rp.request(scope=f"openid {scope}" if scope != "openid" else "openid")
        assert "code" in rp.callback(request), scope


def check_scope_descriptions(rp: Rp, value: dict[str, dict[str, str]]) -> None:
    assert set(value) == set(rp.discovery["scopes_supported"])
    for scope, words in value.items():
        assert set(words) == set(rp.discovery["ui_locales_supported"]), scope
        assert all(words.values()), scope


def check_ui_locales_supported(rp: Rp, value: list[str]) -> None:
    rp.log_in()
    for tag in value:
        page = rp.client.get(rp.url(rp.request(ui_locales=tag)))
        assert page.status_code == 200 and f'lang="{tag}"' in page.get_data(as_text=True), tag


def check_response_types_supported(rp: Rp, value: list[str]) -> None:
    rp.log_in()
    for response_type in value:
        assert "code" in rp.callback(rp.request(response_type=response_type)), response_type
    refused = rp.client.get(rp.url(rp.request(response_type="id_token")))
    assert query_of(refused.headers["Location"])["error"] == "unsupported_response_type"


def check_response_modes_supported(rp: Rp, value: list[str]) -> None:
    assert value == ["query"]
    rp.log_in()
    assert "code" in rp.callback(rp.request(response_mode="query"))


def check_grant_types_supported(rp: Rp, value: list[str]) -> None:
    rp.log_in()
    for grant in value:
        if grant == "authorization_code":
            tokens = rp.flow()[1]
        elif grant == "refresh_token":
            answer = rp.token({"grant_type": grant,
                               "refresh_token": rp.flow()[1]["refresh_token"]})
            assert answer.status_code == 200, answer.get_json()
        elif grant == "client_credentials":
            answer = rp.token({"grant_type": grant})
            assert answer.status_code == 200, answer.get_json()
        elif grant == "urn:ietf:params:oauth:grant-type:device_code":
            tokens = _device_tokens(rp, "/oauth2/device_authorization", grant)
            assert tokens["access_token"]
        elif grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            _exchange(rp, grant, rp.flow(scope="openid get_user_info")[1]["access_token"])
        else:
            raise AssertionError(f"no check for the advertised grant {grant}: add one here")
    refused = rp.token({"grant_type": "password", "username": "alice", "password": "x"})
    assert refused.get_json()["error"] == "unsupported_grant_type"


def _exchange(rp: Rp, grant: str, subject: str) -> None:
    """RFC 8693: the app's token for alice exchanged for one of a sibling app (both opted in)."""
    from gateway.accounts.services import find_by_username
    from gateway.authorizations.services import record_consent

    sibling, _ = create_app(rp.developer, name="Sibling", redirect_uris=[REDIRECT_URI],
                            live=True)
    sibling.token_exchange_enabled = True
    rp.app.token_exchange_enabled = True
    alice = find_by_username("alice")
    assert alice is not None
    record_consent(alice.id, sibling.id, ["get_user_info"])
    db.session.commit()
    answer = rp.token({"grant_type": grant, "subject_token": subject,
                       "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
                       "audience": sibling.appid or ""})
    assert answer.status_code == 200, answer.get_json()
    me = rp.client.get("/api/v1/me",
                       headers={"Authorization": "Bearer " + answer.get_json()["access_token"]})
    assert me.status_code == 200


def check_subject_types_supported(rp: Rp, value: list[str]) -> None:
    assert value == ["pairwise"]
    rp.log_in()
    first = rp.flow()[2]["sub"]
    other, key = create_app(rp.developer, name="Second", redirect_uris=[REDIRECT_URI],
                            live=True)
    db.session.commit()
    second = Rp(rp.client, rp.auth, other.appid or "", key, other, rp.developer,
                rp.discovery).flow()[2]["sub"]
    assert first != second  # one user, two apps, two subjects


def check_id_token_signing_alg_values_supported(rp: Rp, value: list[str]) -> None:
    from joserfc import jws

    rp.log_in()
    alg = jws.extract_compact(rp.flow()[1]["id_token"].encode()).headers()["alg"]
    assert value == [alg]


def _auth_methods(rp: Rp, value: list[str], endpoint: str,
                  data: Callable[[], dict[str, str]]) -> None:
    native = _native(rp) if "none" in value else None
    for method in value:
        if method == "client_secret_basic":
            answer = rp.client.post(endpoint, data=data(), auth=(rp.appid, rp.appkey))
        elif method == "client_secret_post":
            answer = rp.client.post(endpoint, data={**data(), "client_id": rp.appid,
                                                    "client_secret": rp.appkey})
        elif method == "none":
            assert native is not None
            answer = rp.client.post(endpoint, data={**data(), "client_id": native.appid})
        else:
            raise AssertionError(f"no check for the advertised method {method}: add one here")
        assert answer.status_code == 200, (endpoint, method, answer.get_json())


def check_token_endpoint_auth_methods_supported(rp: Rp, value: list[str]) -> None:
    rp.log_in()
    for method in value:
        if method == "none":  # a public client redeems its own code with PKCE
            native = _native(rp)
            phone = Rp(rp.client, rp.auth, native.appid or "", "", native, rp.developer,
                       rp.discovery)
            request = phone.request(redirect_uri=NATIVE_REDIRECT)
            page = rp.client.get(phone.url(request))
            html = page.get_data(as_text=True)
            done = rp.client.post(phone.url(request), data={
                "csrf_token": csrf_from(html), "confirm": "yes",
                "approved_scope": re.findall(r'name="approved_scope" value="([^"]+)"', html)})
            code = query_of(done.headers["Location"])["code"]
            answer = rp.client.post("/oauth2/token", data={
                "grant_type": "authorization_code", "code": code, "client_id": native.appid,
                "redirect_uri": NATIVE_REDIRECT, "code_verifier": request.verifier})
            assert answer.status_code == 200, answer.get_json()
        else:
            rp.flow(method=method)


def check_revocation_endpoint_auth_methods_supported(rp: Rp, value: list[str]) -> None:
    _auth_methods(rp, value, "/oauth2/revoke", lambda: {"token": "unknown-token"})


def check_introspection_endpoint_auth_methods_supported(rp: Rp, value: list[str]) -> None:
    assert "none" not in value  # introspection answers only for the caller's own tokens
    _auth_methods(rp, value, "/oauth2/introspect", lambda: {"token": "unknown-token"})


def check_code_challenge_methods_supported(rp: Rp, value: list[str]) -> None:
    assert value == ["S256"]
    rp.log_in()
    rp.flow()  # S256
    plain = rp.client.get(rp.url(rp.request(code_challenge="x" * 43,
                                            code_challenge_method="plain")))
    assert query_of(plain.headers["Location"])["error"] == "invalid_request"


def check_prompt_values_supported(rp: Rp, value: list[str]) -> None:
    rp.log_in()
    rp.flow()
    for prompt in value:
        response = rp.client.get(rp.url(rp.request(prompt=prompt)))
        if prompt == "none":
            assert "code" in query_of(response.headers["Location"])
        elif prompt == "login":
            assert response.headers["Location"].startswith("/login?next=")
        elif prompt == "consent":
            assert response.status_code == 200 and "approved_scope" in response.get_data(
                as_text=True)
        else:
            raise AssertionError(f"no check for the advertised prompt {prompt}: add one here")


def check_claims_supported(rp: Rp, value: list[str]) -> None:
    rp.log_in()
    _, tokens, claims = rp.flow(scope="openid profile email")
    seen = set(claims) | set(rp.userinfo(tokens["access_token"]).get_json())
    missing = set(value) - seen
    assert not missing, f"advertised, never issued: {sorted(missing)}"


def check_acr_values_supported(rp: Rp, value: list[str]) -> None:
    rp.log_in()
    for acr in value:
        claims = rp.flow(acr_values=acr)[2]
        assert claims["acr"] in value, acr


def check_authorization_response_iss_parameter_supported(rp: Rp, value: bool) -> None:
    assert value is True
    rp.log_in()
    assert rp.callback(rp.request())["iss"] == ISSUER  # callback() checks it


def check_claims_parameter_supported(rp: Rp, value: bool) -> None:
    assert value is False  # the parameter is ignored: the flow does not depend on it
    rp.log_in()
    rp.flow(claims='{"id_token": {"email": {"essential": true}}}')


def check_request_parameter_supported(rp: Rp, value: bool) -> None:
    assert value is False
    rp.log_in()
    refused = rp.client.get(rp.url(rp.request(request="e30.e30.")))
    assert query_of(refused.headers["Location"])["error"] == "request_not_supported"


def check_request_uri_parameter_supported(rp: Rp, value: bool) -> None:
    assert value is False  # only the PAR endpoint's URNs; never a URL to fetch
    rp.log_in()
    refused = rp.client.get(rp.url(rp.request(request_uri="https://rp.example/r.jwt")))
    assert query_of(refused.headers["Location"])["error"] == "request_uri_not_supported"


def _logout_token_after_logout(rp: Rp) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sign in to an app with a back-channel logout URL, log out of ZoneConnect, deliver:
    the id_token's claims and the verified logout token's."""
    from urllib.parse import parse_qs

    from joserfc import jwt

    from gateway.outbox import worker
    from tests.outbox.test_worker import Receiver

    receiver = Receiver()
    try:
        rp.app.backchannel_logout_uri = receiver.url
        db.session.commit()
        rp.log_in()
        claims = rp.flow()[2]
        rp.auth.logout()
        assert worker.run_once() == 1
        [request] = receiver.requests
        [raw] = parse_qs(request["body"].decode())["logout_token"]
    finally:
        receiver.close()
    token = jwt.decode(raw, rp.jwks(), algorithms=["RS256", "ES256"])
    assert token.header["typ"] == "logout+jwt"
    return claims, dict(token.claims)


def check_dpop_signing_alg_values_supported(rp: Rp, value: list[str]) -> None:
    """Each advertised algorithm signs a proof the token endpoint accepts (and binds to);
    alg none and HS256 are never advertised."""
    import json
    import time

    from joserfc import jws
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    from gateway.oauth import dpop

    makers = {"ES256": lambda: ECKey.generate_key("P-256"),
              "ES384": lambda: ECKey.generate_key("P-384"),
              "PS256": lambda: RSAKey.generate_key(2048),
              "RS256": lambda: RSAKey.generate_key(2048),
              "Ed25519": lambda: OKPKey.generate_key("Ed25519")}
    assert value and not {"none", "HS256"} & set(value)
    for alg in value:
        key = makers[alg]()
        claims = {"jti": secrets.token_urlsafe(12), "htm": "POST",
                  "htu": ISSUER + "/oauth2/token", "iat": int(time.time()),
                  "nonce": dpop.current_nonce()}
        proof = jws.serialize_compact({"typ": "dpop+jwt", "alg": alg,
                                       "jwk": key.as_dict(private=False)},
                                      json.dumps(claims), key, algorithms=[alg])
        response = rp.client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                                  auth=(rp.appid, rp.appkey), headers={"DPoP": proof})
        assert response.status_code == 200, (alg, response.get_json())
        assert response.get_json()["token_type"] == "DPoP", alg


def check_backchannel_logout_supported(rp: Rp, value: bool) -> None:
    assert value is True
    claims, logout = _logout_token_after_logout(rp)
    assert logout["iss"] == ISSUER and logout["aud"] == rp.appid
    assert logout["sub"] == claims["sub"] and "nonce" not in logout
    assert "http://schemas.openid.net/event/backchannel-logout" in logout["events"]


def check_backchannel_logout_session_supported(rp: Rp, value: bool) -> None:
    assert value is True
    claims, logout = _logout_token_after_logout(rp)
    assert claims["sid"] and logout["sid"] == claims["sid"]


def _front_channel_frame(rp: Rp) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Sign in to an app with a front-channel logout URL (iss and sid asked for), press the
    logout button: the id_token's claims and the query of the app's frame on the page."""
    import html
    from urllib.parse import parse_qs

    rp.app.frontchannel_logout_uri = "https://rp.example/frontchannel"
    rp.app.frontchannel_logout_session_required = True
    db.session.commit()
    rp.log_in()
    claims = rp.flow()[2]
    page = rp.auth.logout()
    frames = [html.unescape(src) for src in re.findall(r'<iframe[^>]* src="([^"]+)"',
                                                        page.get_data(as_text=True))]
    [frame] = [f for f in frames if f.startswith("https://rp.example/frontchannel")]
    return claims, parse_qs(urlsplit(frame).query)


def check_frontchannel_logout_supported(rp: Rp, value: bool) -> None:
    assert value is True
    _, query = _front_channel_frame(rp)
    assert query["iss"] == [ISSUER]


def check_frontchannel_logout_session_supported(rp: Rp, value: bool) -> None:
    assert value is True
    claims, query = _front_channel_frame(rp)
    assert query["sid"] == [claims["sid"]]


CHECKS: dict[str, Callable[[Rp, Any], None]] = {
    name[len("check_"):]: function for name, function in list(globals().items())
    if name.startswith("check_") and callable(function)}


def test_every_advertised_key_has_a_check(meta: dict[str, Any]) -> None:
    unchecked = sorted(set(meta) - set(CHECKS))
    assert not unchecked, (f"discovery advertises {unchecked} with no request proving it: add a "
                           "check_<key> to tests/oidc/test_discovery_accuracy.py")


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_advertised_capability_works(every_scope: Rp, key: str) -> None:
    meta = every_scope.discovery
    if key not in meta:
        pytest.skip(f"{key} is not advertised")
    CHECKS[key](every_scope, meta[key])


def test_oauth_metadata_says_the_same(client: FlaskClient, meta: dict[str, Any]) -> None:
    """RFC 8414's document is the same statement."""
    assert client.get("/.well-known/oauth-authorization-server").get_json() == meta

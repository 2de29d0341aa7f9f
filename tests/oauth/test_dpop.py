"""DPoP (RFC 9449): proofs checked at the token endpoint and on every resource path, tokens bound
to the proof's key (`cnf.jkt`), nonces, replay, dpop_jkt at authorize, the per-app setting.

Each test sends what a client (or an attacker holding a stolen token) would send, and reads the
status, the WWW-Authenticate and DPoP-Nonce headers, the RFC error and the stored row."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from gateway.extensions import db
from gateway.oauth import dpop
from gateway.oauth.dpop_replay import MemoryReplay
from gateway.oauth.models import OAuthCode, OAuthToken
from gateway.security.secrets import digest
from tests.oauth.conftest import NATIVE_REDIRECT, WEB_REDIRECT, query_of
from tests.oauth.dpop_helpers import (
    Holder,
    hmac_proof,
    native_code,
    native_tokens,
    post_token,
    unsigned_proof,
)

ME = "/api/v1/me"


def _row(access_token: str) -> OAuthToken:
    db.session.expire_all()
    row = db.session.scalar(select(OAuthToken).where(
        OAuthToken.access_digest == digest(access_token)))
    assert row is not None
    return row


def _me(client: Any, token: str, proof: str | None, scheme: str = "DPoP") -> Any:
    headers = {"Authorization": f"{scheme} {token}"}
    if proof is not None:
        headers["DPoP"] = proof
    return client.get(ME, headers=headers)


def _refused(response: Any, error: str = "invalid_dpop_proof") -> str:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == error
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('DPoP algs="ES256 ES384 PS256 RS256 Ed25519"')
    assert f'error="{error}"' in challenge
    return str(response.get_json()["error_description"])


@pytest.fixture
def holder() -> Holder:
    return Holder()


@pytest.fixture
def bound(client: Any, browser: Any, world: Any, holder: Holder) -> dict[str, Any]:
    """A public app's DPoP-bound token response for alice."""
    return native_tokens(client, browser, world.native, holder)


def test_discovery_advertises_the_proof_algorithms(client) -> None:
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["dpop_signing_alg_values_supported"] == list(dpop.ALGORITHMS)
    assert "none" not in metadata["dpop_signing_alg_values_supported"]


def test_token_endpoint_asks_for_a_nonce_then_binds_both_tokens(client, browser, world,
                                                               holder) -> None:
    code, verifier = native_code(browser, world.native)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": NATIVE_REDIRECT,
            "client_id": world.native.appid, "code_verifier": verifier}
    first = client.post("/oauth2/token", data=data,
                        headers={"DPoP": holder.proof("POST", "/oauth2/token")})
    assert first.status_code == 400
    assert first.get_json()["error"] == "use_dpop_nonce"
    assert first.headers["Cache-Control"] == "no-store"
    nonce = first.headers["DPoP-Nonce"]
    assert dpop.nonce_valid(nonce)
    second = client.post("/oauth2/token", data=data, headers={
        "DPoP": holder.proof("POST", "/oauth2/token", nonce=nonce)})
    assert second.status_code == 200, second.get_data(as_text=True)
    body = second.get_json()
    assert body["token_type"] == "DPoP"
    assert second.headers["DPoP-Nonce"]
    row = _row(body["access_token"])
    assert row.jkt == holder.jkt and row.refresh_digest == digest(body["refresh_token"])


def test_bound_token_works_with_its_proof_and_is_refused_as_bearer(client, bound,
                                                                   holder) -> None:
    token = bound["access_token"]
    ok = _me(client, token, holder.proof("GET", ME, token=token))
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.get_json()["openid"] == bound["openid"]
    as_bearer = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401
    assert as_bearer.get_json()["error"] == "invalid_token"
    assert "DPoP-bound" in as_bearer.get_json()["error_description"]
    # A proof alongside the Bearer scheme does not make it acceptable either.
    with_proof = _me(client, token, holder.proof("GET", ME, token=token), scheme="Bearer")
    assert with_proof.status_code == 401


def test_bearer_token_with_the_dpop_scheme_is_refused(client, browser, world, holder) -> None:
    token = native_tokens(client, browser, world.native, None)["access_token"]
    assert _row(token).jkt is None
    response = _me(client, token, holder.proof("GET", ME, token=token))
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("case", [
    "wrong_htu", "query_in_htu", "wrong_htm", "old_iat", "future_iat", "missing_ath",
    "wrong_ath", "other_key", "alg_none", "hs256", "private_jwk", "wrong_typ", "no_jti",
    "two_proofs", "no_proof", "garbage", "bad_signature", "small_rsa"])
def test_every_bad_proof_is_refused_at_the_resource(client, bound, holder, case) -> None:
    token = bound["access_token"]
    headers: dict[str, Any] = {"Authorization": f"DPoP {token}"}
    good = dict(token=token)
    proofs: dict[str, Any] = {
        "wrong_htu": lambda: holder.proof("GET", "/api/v1/friends", **good),
        "query_in_htu": lambda: holder.proof("GET", "http://evil.example/api/v1/me", **good),
        "wrong_htm": lambda: holder.proof("POST", ME, **good),
        "old_iat": lambda: holder.proof("GET", ME, iat=time.time() - 120, **good),
        "future_iat": lambda: holder.proof("GET", ME, iat=time.time() + 120, **good),
        "missing_ath": lambda: holder.proof("GET", ME),
        "wrong_ath": lambda: holder.proof("GET", ME, token="someone-elses-token"),
        "other_key": lambda: Holder().proof("GET", ME, **good),
        "alg_none": lambda: unsigned_proof(holder, "GET", ME),
        "hs256": lambda: hmac_proof("GET", ME),
        "private_jwk": lambda: holder.proof("GET", ME, header={
            "jwk": holder.key.as_dict(private=True)}, **good),
        "wrong_typ": lambda: holder.proof("GET", ME, header={"typ": "JWT"}, **good),
        "no_jti": lambda: holder.proof("GET", ME, drop=("jti",), **good),
        "two_proofs": None, "no_proof": None,
        "garbage": lambda: "not.a.proof",
        "bad_signature": lambda: holder.proof("GET", ME, **good)[:-6] + "AAAAAA",
        "small_rsa": None,
    }
    if case == "two_proofs":
        headers["DPoP"] = [holder.proof("GET", ME, **good), holder.proof("GET", ME, **good)]
    elif case == "small_rsa":
        import warnings

        from joserfc.jwk import RSAKey
        small = Holder("RS256")
        with warnings.catch_warnings():  # joserfc warns, rightly, about 1024-bit keys
            warnings.simplefilter("ignore")
            small.key = RSAKey.generate_key(1024)
            headers["DPoP"] = small.proof("GET", ME, **good)
    elif case != "no_proof":
        headers["DPoP"] = proofs[case]()
    response = client.get(ME, headers=headers)
    description = _refused(response)
    if case == "other_key":
        assert "bound to" in description
    # The token itself is still fine with a good proof: nothing was spent or revoked.
    assert _me(client, token, holder.proof("GET", ME, token=token)).status_code == 200


def test_old_iat_wording_and_replay_at_the_resource(client, bound, holder) -> None:
    token = bound["access_token"]
    proof = holder.proof("GET", ME, token=token)
    assert _me(client, token, proof).status_code == 200
    assert "already used" in _refused(_me(client, token, proof))
    assert "iat" in _refused(_me(client, token, holder.proof(
        "GET", ME, token=token, iat=time.time() - 61)))


def test_userinfo_and_the_qq_paths_take_the_dpop_scheme(client, bound, holder, world) -> None:
    token = bound["access_token"]
    info = client.get("/oauth2/userinfo", headers={
        "Authorization": f"DPoP {token}", "DPoP": holder.proof("GET", "/oauth2/userinfo",
                                                              token=token)})
    assert info.status_code == 200 and info.get_json()["sub"] == bound["openid"]
    bearer = client.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    stale = client.get("/oauth2/userinfo", headers={
        "Authorization": f"DPoP {token}", "DPoP": holder.proof("GET", "/oauth2/userinfo")})
    _refused(stale)

    me = client.get("/oauth2.0/me", headers={
        "Authorization": f"DPoP {token}", "DPoP": holder.proof("GET", "/oauth2.0/me",
                                                              token=token)})
    assert bound["openid"] in me.get_data(as_text=True)
    as_param = client.get("/oauth2.0/me", query_string={"access_token": token})
    assert '"error":100016' in as_param.get_data(as_text=True).replace(" ", "")

    query = {"oauth_consumer_key": world.native.appid, "openid": bound["openid"]}
    legacy = client.get("/user/get_user_info", query_string=query, headers={
        "Authorization": f"DPoP {token}",
        "DPoP": holder.proof("GET", "/user/get_user_info", token=token)})
    assert json.loads(legacy.get_data(as_text=True))["ret"] == 0, legacy.get_data(as_text=True)
    stolen = client.get("/user/get_user_info", query_string={**query, "access_token": token})
    assert stolen.status_code == 200
    assert json.loads(stolen.get_data(as_text=True))["ret"] == 100016


def test_introspection_reports_the_binding(client, browser, world, holder) -> None:
    browser.login()
    response = browser.consent("/oauth2/authorize", {
        "response_type": "code", "client_id": world.web.appid, "redirect_uri": WEB_REDIRECT,
        "scope": "get_user_info"})
    code = query_of(response.headers["Location"])["code"]
    auth = (world.web.appid, world.web_key)
    basic = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    issued = post_token(client, holder, {"grant_type": "authorization_code", "code": code,
                                         "redirect_uri": WEB_REDIRECT},
                        Authorization=basic).get_json()
    assert issued["token_type"] == "DPoP"
    for token, hint in ((issued["access_token"], None), (issued["refresh_token"],
                                                         "refresh_token")):
        data = {"token": token, **({"token_type_hint": hint} if hint else {})}
        body = client.post("/oauth2/introspect", data=data,
                           headers={"Authorization": basic}).get_json()
        assert body["active"] and body["token_type"] == "DPoP"
        assert body["cnf"] == {"jkt": holder.jkt}
    # Confidential clients' refresh tokens are not bound to the key (RFC 9449 §5): a new key
    # is accepted and the new pair is bound to it; without any proof, no (no downgrade).
    other = Holder()
    other.nonce = holder.nonce
    no_proof = client.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                  "refresh_token": issued["refresh_token"]},
                           headers={"Authorization": basic})
    assert no_proof.status_code == 400
    assert no_proof.get_json()["error"] == "invalid_dpop_proof"
    moved = post_token(client, other, {"grant_type": "refresh_token",
                                       "refresh_token": issued["refresh_token"]},
                       Authorization=basic)
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert _row(moved.get_json()["access_token"]).jkt == other.jkt


def test_public_clients_refresh_only_with_the_same_key(client, bound, holder, world) -> None:
    refresh = {"grant_type": "refresh_token", "refresh_token": bound["refresh_token"],
               "client_id": world.native.appid}
    other = Holder()
    other.nonce = holder.nonce
    wrong_key = post_token(client, other, refresh)
    assert wrong_key.status_code == 400
    assert wrong_key.get_json()["error"] == "invalid_dpop_proof"
    without = client.post("/oauth2/token", data=refresh)
    assert without.status_code == 400 and without.get_json()["error"] == "invalid_dpop_proof"
    ok = post_token(client, holder, refresh)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    body = ok.get_json()
    assert body["token_type"] == "DPoP" and _row(body["access_token"]).jkt == holder.jkt
    # The QQ token endpoint takes no proof: a bound refresh token is refused there too.
    legacy = client.post("/oauth2.0/token", data={**refresh, "fmt": "json",
                                                  "refresh_token": body["refresh_token"]})
    assert json.loads(legacy.get_data(as_text=True))["error"] == 100042


def test_token_request_proofs_are_checked_like_any_other(client, browser, world,
                                                         holder) -> None:
    code, verifier = native_code(browser, world.native)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": NATIVE_REDIRECT,
            "client_id": world.native.appid, "code_verifier": verifier}
    holder.nonce = dpop.current_nonce()
    for proof in (holder.proof("POST", "/oauth2/revoke"),
                  holder.proof("POST", "/oauth2/token", iat=time.time() - 300),
                  hmac_proof("POST", "/oauth2/token"),
                  unsigned_proof(holder, "POST", "/oauth2/token"),
                  holder.proof("POST", "/oauth2/token", nonce="1.forged")):
        response = client.post("/oauth2/token", data=data, headers={"DPoP": proof})
        assert response.status_code == 400
        assert response.get_json()["error"] in {"invalid_dpop_proof", "use_dpop_nonce"}
    replayed = holder.proof("POST", "/oauth2/token")
    assert client.post("/oauth2/token", data=data, headers={"DPoP": replayed}).status_code == 200
    again = client.post("/oauth2/token", data=data, headers={"DPoP": replayed})
    assert again.get_json() == {"error": "invalid_dpop_proof",
                                "error_description": "The DPoP proof was already used."}


def test_dpop_jkt_binds_the_code_to_the_key(client, browser, world, holder) -> None:
    code, verifier = native_code(browser, world.native, dpop_jkt=holder.jkt)
    db.session.expire_all()
    assert db.session.scalar(select(OAuthCode.dpop_jkt)) == holder.jkt
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": NATIVE_REDIRECT,
            "client_id": world.native.appid, "code_verifier": verifier}
    other = Holder()
    assert post_token(client, other, data).get_json()["error"] == "invalid_dpop_proof"
    assert client.post("/oauth2/token", data=data).get_json()["error"] == "invalid_dpop_proof"
    # Refused before the code was spent: its rightful holder still redeems it.
    ok = post_token(client, holder, data)
    assert ok.status_code == 200 and ok.get_json()["token_type"] == "DPoP"

    bad = browser.client.get("/oauth2/authorize", query_string={
        "response_type": "code", "client_id": world.native.appid,
        "redirect_uri": NATIVE_REDIRECT, "code_challenge": "x" * 43,
        "code_challenge_method": "S256", "dpop_jkt": "not a thumbprint"})
    assert query_of(bad.headers["Location"])["error"] == "invalid_request"


def test_an_app_that_requires_dpop_gets_no_bearer_tokens(client, browser, world,
                                                         holder) -> None:
    world.native.require_dpop = True
    db.session.commit()
    code, verifier = native_code(browser, world.native)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": NATIVE_REDIRECT,
            "client_id": world.native.appid, "code_verifier": verifier}
    refused = client.post("/oauth2/token", data=data)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_dpop_proof"
    legacy = client.post("/oauth2.0/token", data={**data, "fmt": "json"})
    assert json.loads(legacy.get_data(as_text=True))["error"] == 100019
    assert post_token(client, holder, data).get_json()["token_type"] == "DPoP"


class TestResourceNonces:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"ZC_DPOP_NONCE": "all"}

    def test_resource_asks_for_a_nonce_and_hands_out_fresh_ones(self, client, bound,
                                                                holder) -> None:
        token = bound["access_token"]
        holder.nonce = None
        first = _me(client, token, holder.proof("GET", ME, token=token))
        _refused(first, "use_dpop_nonce")
        nonce = first.headers["DPoP-Nonce"]
        ok = _me(client, token, holder.proof("GET", ME, token=token, nonce=nonce))
        assert ok.status_code == 200 and ok.headers["DPoP-Nonce"]


class TestCachedChecks:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"ZC_TOKEN_CACHE_TTL": 60}  # access checks cached on SQLite too

    def test_a_cached_check_still_demands_the_proof_and_its_key(self, client, bound,
                                                                holder) -> None:
        token = bound["access_token"]
        for _ in range(2):  # the second answer comes from the cache
            assert _me(client, token, holder.proof("GET", ME, token=token)).status_code == 200
        assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401
        _refused(_me(client, token, Holder().proof("GET", ME, token=token)))


def test_an_unknown_nonce_mode_is_refused_at_start_up(tmp_path) -> None:
    from gateway.config import ConfigError, build

    with pytest.raises(ConfigError, match="ZC_DPOP_NONCE"):
        build(str(tmp_path), {"ZC_DPOP_NONCE": "al", "TESTING": True}, environ={})
    assert build(str(tmp_path), {"ZC_DPOP_NONCE": "all", "TESTING": True},
                 environ={})["ZC_DPOP_NONCE"] == "all"


def test_nonces_expire_and_cannot_be_forged(app) -> None:
    now = time.time()
    nonce = dpop.current_nonce(now)
    ttl = app.config["ZC_DPOP_NONCE_TTL"]
    assert dpop.nonce_valid(nonce, now) and dpop.nonce_valid(nonce, now + ttl)
    assert not dpop.nonce_valid(nonce, now + 2 * ttl + 1)
    slot = nonce.split(".")[0]
    assert not dpop.nonce_valid(slot + ".AAAAAAAAAAAAAAAAAAAAAAAA", now)
    assert not dpop.nonce_valid(None) and not dpop.nonce_valid("zz.x")


def test_the_in_process_replay_record_is_bounded_and_never_forgets_unsafely() -> None:
    record = MemoryReplay(max_entries=2)
    assert record.first_use("a", 100, 60) and not record.first_use("a", 100, 60)
    assert record.first_use("b", 101, 60)
    assert record.first_use("c", 102, 60)  # full: "a" (iat 100) dropped
    assert len(record._seen) == 2
    assert not record.first_use("a", 100, 60)  # a forgotten jti is refused by its iat
    assert not record.first_use("d", 100, 60)  # as is anything that old
    assert record.first_use("e", 103, 60)


def test_a_bound_jwt_access_token_carries_cnf_jkt(client, browser, world, holder) -> None:
    world.native.access_token_format = "jwt"  # RFC 9068 access tokens for this app
    db.session.commit()
    token = native_tokens(client, browser, world.native, holder)["access_token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["cnf"] == {"jkt": holder.jkt}  # RFC 9449 §6.1
    assert _me(client, token, holder.proof("GET", ME, token=token)).status_code == 200
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401

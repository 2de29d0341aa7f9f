"""spec/oauth-security.md, token endpoint and resource side: the rules no other test covered,
one test per rule, named after the rule or the OpenID Foundation check it mirrors."""

from __future__ import annotations

import hmac
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.apps.models import App
from gateway.apps.services import create_app
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.oauth.models import OAuthCode
from gateway.security import secrets as zc_secrets
from tests.oauth.conftest import WEB_REDIRECT, legacy_code
from tests.security.oauth_flow import INTERNALS, TOKEN, callback, redeem, travel, userinfo


def _count(action: str) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action)) or 0)


def _refresh(client: Any, app: Any, key: str, refresh_token: str) -> Any:
    return client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                       auth=(app.appid, key))


@pytest.fixture
def other(world: Any) -> tuple[Any, str]:
    """A second confidential client with the same redirect URI."""
    app, key = create_app(world.developer, name="Other", redirect_uris=[WEB_REDIRECT], live=True)
    db.session.commit()
    return app, key


# --- Codes ------------------------------------------------------------------------------------

def test_oidcc_codereuse_30seconds(world, browser, client, monkeypatch):
    """oidcc-codereuse-30seconds: "a second redemption fails (invalid_grant / 100020) and revokes
    the tokens issued from the first" — also when it comes 30 seconds later."""
    code = callback(browser, world, scope="openid")["code"]
    first = redeem(client, world, code).get_json()
    assert userinfo(client, first["access_token"]).status_code == 200
    travel(monkeypatch, 30)
    again = redeem(client, world, code)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert userinfo(client, first["access_token"]).status_code == 401
    assert _refresh(client, world.web, world.web_key, first["refresh_token"]).status_code == 400
    assert _count("code.replayed") == 1


def test_code_lives_ten_minutes(world, browser, client, monkeypatch):
    """"Codes: single-use, 10 minutes"."""
    code = callback(browser, world)["code"]
    row = db.session.scalar(select(OAuthCode).order_by(OAuthCode.id.desc()))
    assert (row.expires_at - row.created_at).total_seconds() == 600
    travel(monkeypatch, 601)
    late = redeem(client, world, code)
    assert late.status_code == 400 and late.get_json()["error"] == "invalid_grant"


def test_code_is_bound_to_the_client(world, browser, client, other):
    """"bound to client": another client's credentials cannot redeem it (and do not burn it)."""
    code = callback(browser, world)["code"]
    stolen = client.post(TOKEN, data={"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": WEB_REDIRECT},
                         auth=(other[0].appid, other[1]))
    assert stolen.status_code == 400 and stolen.get_json()["error"] == "invalid_grant"
    assert redeem(client, world, code).status_code == 200


def test_code_is_bound_to_the_redirect_uri(world, browser, client):
    """"bound to [...] redirect URI": the token request must repeat the exact URI."""
    code = callback(browser, world)["code"]
    for uri in [WEB_REDIRECT + "/", "https://evil.example/callback"]:
        wrong = redeem(client, world, code, redirect_uri=uri)
        assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant", uri
    assert redeem(client, world, code).status_code == 200


# --- Client authentication --------------------------------------------------------------------

def test_client_secrets_are_digests_compared_in_constant_time(world, client, monkeypatch):
    """"secrets compared as digests in constant time": only the SHA-256 digest is stored, and the
    comparison goes through hmac.compare_digest, for Basic and for the form body alike."""
    row = db.session.get(App, world.web.id)
    assert row.appkey_digest == zc_secrets.digest(world.web_key)
    stored = [str(value) for value in vars(row).values()]
    assert world.web_key not in stored
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(zc_secrets.hmac, "compare_digest", spy)
    basic = client.post(TOKEN, data={"grant_type": "client_credentials"},
                        auth=(world.web.appid, world.web_key))
    post = client.post(TOKEN, data={"grant_type": "client_credentials",
                                    "client_id": world.web.appid, "client_secret": world.web_key})
    assert basic.status_code == post.status_code == 200
    assert compared.count((row.appkey_digest, row.appkey_digest)) == 2


def test_client_authentication_failure_is_401_with_www_authenticate(world, client):
    """"401 with WWW-Authenticate for client authentication failures" (RFC 6749 §5.2)."""
    attempts = [
        {"auth": (world.web.appid, "0" * 32)},
        {"auth": ("999999999", world.web_key)},
        {"data": {"client_id": world.web.appid, "client_secret": "0" * 32}},
        {"data": {"client_id": world.web.appid}},
    ]
    for attempt in attempts:
        data = {"grant_type": "client_credentials", **attempt.get("data", {})}
        response = client.post(TOKEN, data=data, auth=attempt.get("auth"))
        assert response.status_code == 401, attempt
        assert response.get_json()["error"] == "invalid_client"
        assert response.headers["WWW-Authenticate"].lower().startswith("basic"), attempt


# --- Refresh tokens ---------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [{"client_secret": "whatever"}, {"client_id": "101999999"}])
def test_one_client_authentication_method_per_request(world, client, extra):
    """RFC 6749 §2.3.1: "The client MUST NOT use more than one authentication method in each
    request." HTTP Basic plus a client_secret (or another client_id) in the body is refused
    before any credential is checked; Basic with the same client_id in the body is fine."""
    mixed = client.post(TOKEN, data={"grant_type": "client_credentials", **extra},
                        auth=(world.web.appid, world.web_key))
    assert mixed.status_code == 400 and mixed.get_json()["error"] == "invalid_request"
    assert "access_token" not in mixed.get_json()
    assert _count("oauth.token_failed") == 1
    same = client.post(TOKEN, data={"grant_type": "client_credentials",
                                    "client_id": world.web.appid},
                       auth=(world.web.appid, world.web_key))
    assert same.status_code == 200, same.get_json()


def test_refresh_token_is_bound_to_the_client(world, browser, client, other):
    """"Refresh tokens: bound to the client": another client gets invalid_grant, and its attempt
    does not kill the rightful client's family."""
    token = redeem(client, world, callback(browser, world)["code"]).get_json()
    stolen = _refresh(client, other[0], other[1], token["refresh_token"])
    assert stolen.status_code == 400 and stolen.get_json()["error"] == "invalid_grant"
    assert _refresh(client, world.web, world.web_key, token["refresh_token"]).status_code == 200


def test_refresh_grace_window_is_seconds_then_reuse_revokes_the_family(
        world, browser, client, app, monkeypatch):
    """"a grace window (seconds) applies only to the immediately previous token": after the
    window, presenting the previous token is reuse, and the whole family is revoked."""
    token = redeem(client, world, callback(browser, world)["code"]).get_json()
    second = _refresh(client, world.web, world.web_key, token["refresh_token"]).get_json()
    travel(monkeypatch, int(app.config["ZC_REFRESH_REUSE_GRACE"]) + 1)
    reused = _refresh(client, world.web, world.web_key, token["refresh_token"])
    assert reused.status_code == 400 and reused.get_json()["error"] == "invalid_grant"
    assert userinfo(client, second["access_token"]).status_code == 401
    assert _refresh(client, world.web, world.web_key, second["refresh_token"]).status_code == 400
    assert _count("token.reuse_detected") == 1


# --- Errors and rate limits -------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    {}, {"grant_type": "password", "username": "alice", "password": "password123"},
    {"grant_type": "authorization_code"}, {"grant_type": "authorization_code", "code": "x" * 5000},
    {"grant_type": "authorization_code", "code": "\x00'; drop table users;--"},
    {"grant_type": "authorization_code", "code": "名字", "redirect_uri": "\x00\xff"},
    {"grant_type": "refresh_token", "refresh_token": "%" * 300},
    {"grant_type": "refresh_token", "refresh_token": "A" * 32, "scope": "x" * 3000},
    {"grant_type": ["client_credentials", "refresh_token"]},
    {"grant_type": "client_credentials", "scope": ["add_share", "add_share"]},
])
def test_token_errors_are_rfc6749_json_without_internals(world, client, data):
    """"Errors: RFC 6749 §5.2 JSON on the standard endpoint [...]; no stack traces, no database
    errors" — whatever the client sends."""
    response = client.post(TOKEN, data=data, auth=(world.web.appid, world.web_key))
    assert response.status_code == 400 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] in {"invalid_request", "invalid_grant", "unsupported_grant_type",
                             "invalid_scope", "unauthorized_client"}
    assert not INTERNALS.search(response.get_data(as_text=True))
    assert response.headers["Cache-Control"] == "no-store"


def test_token_failures_are_audited_on_the_standard_endpoint(world, client):
    """"Rate limits per client and per address; failures audited\" (the standard endpoint)."""
    client.post(TOKEN, data={"grant_type": "authorization_code", "code": "0" * 32,
                             "redirect_uri": WEB_REDIRECT}, auth=(world.web.appid, world.web_key))
    client.post(TOKEN, data={"grant_type": "client_credentials"}, auth=(world.web.appid, "bad"))
    db.session.expire_all()
    rows = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "oauth.token_failed").order_by(AuditEvent.id)))
    assert [r.subject_id for r in rows] == [world.web.appid, world.web.appid]


# --- Resource side ----------------------------------------------------------------------------

def test_tokens_never_written_to_logs(world, browser, client, caplog):
    """"tokens never written to logs" — not the access token in a legacy query string, not the
    code or the secrets of a token request, not a Bearer header."""
    caplog.set_level(logging.DEBUG)
    code = legacy_code(browser, world.web)
    body = client.get("/oauth2.0/token", query_string={  # QQ clients send all this as GET
        "grant_type": "authorization_code", "client_id": world.web.appid, "fmt": "json",
        "client_secret": world.web_key, "code": code, "redirect_uri": WEB_REDIRECT}).get_json()
    access, refresh = body["access_token"], body["refresh_token"]
    me = client.get("/oauth2.0/me", query_string={"access_token": access, "fmt": "json"})
    client.get("/user/get_user_info", query_string={
        "access_token": access, "oauth_consumer_key": world.web.appid,
        "openid": me.get_json()["openid"]})
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
    client.get("/api/v1/me", query_string={"access_token": access})
    logged_queries = [str(getattr(r, "query", "")) for r in caplog.records]
    assert any("access_token=" in q for q in logged_queries)  # the lines were written, scrubbed
    for record in caplog.records:
        text = record.getMessage() + repr(vars(record))
        for secret in (access, refresh, code, world.web_key):
            assert secret not in text, record.name


def test_userinfo_takes_the_bearer_token_only_in_the_header(world, browser, client):
    """"Bearer tokens only in the Authorization header on the REST API (RFC 6750)" — userinfo
    too; the legacy paths also take `access_token` as a parameter (tests/openapi)."""
    token = redeem(client, world, callback(browser, world, scope="openid")["code"]).get_json()
    assert userinfo(client, token["access_token"]).status_code == 200
    query = client.get("/oauth2/userinfo", query_string={"access_token": token["access_token"]})
    form = client.post("/oauth2/userinfo", data={"access_token": token["access_token"]})
    assert query.status_code == form.status_code == 401
    assert "WWW-Authenticate" in query.headers

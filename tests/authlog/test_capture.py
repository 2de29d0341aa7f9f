"""Each authorization and token outcome lands in the app's auth event log, off the request path,
with its reason, the openid where known, the address and user agent, and never a secret."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.authlog import recorder
from gateway.authlog.models import AuthEvent
from gateway.extensions import db
from tests.oauth.conftest import WEB_REDIRECT, legacy_code, pkce_pair, query_of

BODY = re.compile(r"^access_token=([0-9A-F]{32})&expires_in=\d+&refresh_token=([0-9A-F]{32})$")
UA = {"User-Agent": "NextAuth/5 (test)"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_REFRESH_REUSE_GRACE": 0}


def _events(**where: Any) -> list[AuthEvent]:
    recorder.flush()
    db.session.expire_all()
    query = select(AuthEvent).filter_by(**where).order_by(AuthEvent.id)
    return list(db.session.scalars(query))


def _token(client, world, **data: str) -> Any:
    form = {"grant_type": "authorization_code", "client_id": world.web.appid,
            "client_secret": world.web_key, "redirect_uri": WEB_REDIRECT, **data}
    return client.post("/oauth2.0/token", data=form, headers=UA)


def _openid(world) -> str:
    from gateway.identity.services import openid_for

    return openid_for(world.user.id, world.web)


def test_nothing_is_written_on_the_request_path(world, browser, client):
    code = legacy_code(browser, world.web)
    assert _token(client, world, code=code).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuthEvent)) == 0
    assert len(_events()) == 2  # code issued, token issued: written by the flush


def test_a_login_writes_code_and_token_successes_without_secrets(world, browser, client):
    code = legacy_code(browser, world.web)
    response = _token(client, world, code=code)
    access, refresh = BODY.match(response.get_data(as_text=True)).groups()
    authorize, token = _events()
    openid = _openid(world)
    assert (authorize.kind, authorize.outcome, authorize.reason) == (
        "authorize", "success", "code_issued")
    assert (token.kind, token.outcome, token.reason, token.grant_type, token.openid) == (
        "token", "success", "token_issued", "authorization_code", openid)
    assert token.user_agent == UA["User-Agent"] and token.client_ip == "127.0.0.1"
    assert token.app_id == world.web.id
    for event in (authorize, token):
        stored = " ".join(str(getattr(event, c.name)) for c in AuthEvent.__table__.columns)
        for secret in (code, access, refresh, world.web_key):
            assert secret not in stored


def test_each_token_failure_has_its_reason(world, browser, client):
    code = legacy_code(browser, world.web)
    _token(client, world, code=code)
    _token(client, world, code=code)  # replayed
    _token(client, world, code="F" * 32, client_secret="0" * 32)
    _token(client, world, code=legacy_code(browser, world.web), redirect_uri=WEB_REDIRECT + "x")
    failures = _events(outcome="failure", kind="token")
    assert [(e.reason, e.ret) for e in failures] == [
        ("code_reused", 100020), ("invalid_client_secret", 100009),
        ("redirect_uri_mismatch", 100010)]
    assert failures[0].description == "code is reused error"


def test_standard_token_endpoint_outcomes(world, browser, client):
    verifier, challenge = pkce_pair()
    browser.login()
    params = {"response_type": "code", "client_id": world.web.appid, "scope": "openid",
              "redirect_uri": WEB_REDIRECT, "state": "s", "code_challenge": challenge,
              "code_challenge_method": "S256"}
    code = query_of(browser.consent("/oauth2/authorize", params).headers["Location"])["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
            "code_verifier": verifier, "client_id": world.web.appid,
            "client_secret": world.web_key}
    assert client.post("/oauth2/token", data=form).status_code == 200
    assert client.post("/oauth2/token", data=form).status_code == 400
    events = _events(kind="token")
    assert [(e.outcome, e.reason) for e in events] == [("success", "token_issued"),
                                                       ("failure", "invalid_grant")]
    assert events[0].openid == _openid(world)


def test_refresh_reuse_is_named(world, browser, client):
    first = _token(client, world, code=legacy_code(browser, world.web))
    old_refresh = BODY.match(first.get_data(as_text=True)).group(2)
    form = {"grant_type": "refresh_token", "refresh_token": old_refresh}
    assert BODY.match(_token(client, world, **form).get_data(as_text=True))
    replay = _token(client, world, **form).get_data(as_text=True)
    assert '"error":100038' in replay
    last = _events(kind="token")[-1]
    assert (last.outcome, last.reason, last.ret, last.grant_type) == (
        "failure", "refresh_reuse_detected", 100038, "refresh_token")
    assert last.openid == _openid(world)


def test_refused_consent_and_bad_redirect_uri(world, browser, client):
    browser.login()
    params = {"response_type": "code", "client_id": world.web.appid,
              "redirect_uri": WEB_REDIRECT, "state": "s"}
    refused = browser.consent("/oauth2.0/authorize", params, approve=False)
    assert "error=access_denied" in refused.headers["Location"]
    bad = client.get("/oauth2.0/authorize", query_string={
        **params, "redirect_uri": "https://evil.example/cb"})
    assert bad.status_code == 400
    denied, mismatch = _events(kind="authorize")
    assert (denied.outcome, denied.reason, denied.openid) == ("failure", "access_denied", None)
    assert (mismatch.reason, mismatch.ret, mismatch.openid) == (
        "redirect_uri_mismatch", 100010, None)


def test_rate_limited_token_requests(app, world, client):
    app.config["ZC_TOKEN_LIMIT_CLIENT"] = "2 per minute"
    for _ in range(3):
        last = _token(client, world, code="F" * 32)
    assert last.status_code == 429
    assert [e.reason for e in _events(kind="token")][-1] == "rate_limited"


def test_unknown_apps_leave_nothing(client):
    client.post("/oauth2.0/token", data={"grant_type": "authorization_code",
                                         "client_id": "999999999", "code": "x"})
    client.get("/oauth2.0/authorize?client_id=999999999&response_type=code")
    assert _events() == []


def test_a_failed_flush_keeps_the_events(app, world, client, monkeypatch):
    _token(client, world, code="F" * 32)

    def broken(events):
        raise RuntimeError("database down")

    monkeypatch.setattr(recorder, "_write", broken)
    with pytest.raises(RuntimeError):
        recorder.flush()
    monkeypatch.undo()
    assert [e.reason for e in _events()] == ["invalid_code"]


def test_the_buffer_is_bounded_while_the_database_is_down(app, world, client, monkeypatch):
    """A full buffer tries to flush; while that fails, new events are dropped, not queued."""
    app.extensions["zc_authlog"].limit = 2

    def broken(events):
        raise RuntimeError("database down")

    monkeypatch.setattr(recorder, "_write", broken)
    for _ in range(4):
        assert _token(client, world, code="F" * 32).status_code == 200  # never fails the call
    assert app.extensions["zc_authlog"].dropped == 2
    monkeypatch.undo()
    assert len(_events()) == 2

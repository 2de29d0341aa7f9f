"""The refresh grant through the token store, on both endpoints: client facts are evicted the
moment the app changes, a token is spent exactly once, and the common case is one statement on
PostgreSQL (the store's claim semantics themselves: tests/oauth/store/test_contract.py)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy import event, func, select

from gateway.apps.services import rotate_appkey
from gateway.extensions import db
from gateway.oauth import tokens
from gateway.oauth.models import OAuthToken
from gateway.security.secrets import digest
from tests.conftest import POSTGRES_URL

TOKEN = "/oauth2/token"


@pytest.fixture
def refresh(world: Any) -> str:
    issued = tokens.issue_tokens(world.web, world.user.id, ["get_user_info"],
                                 grant_type="authorization_code")
    db.session.commit()
    assert issued.refresh_token
    return issued.refresh_token


def _rest(client: Any, world: Any, raw: str, key: str | None = None) -> Any:
    return client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": raw},
                       auth=(world.web.appid, key or world.web_key))


def _legacy(client: Any, world: Any, raw: str, key: str | None = None) -> Any:
    return client.get("/oauth2.0/token", query_string={
        "grant_type": "refresh_token", "client_id": world.web.appid, "fmt": "json",
        "client_secret": key or world.web_key, "refresh_token": raw})


def _children(parent_raw: str) -> int:
    db.session.expire_all()
    parent = db.session.scalar(select(OAuthToken.id).where(
        OAuthToken.refresh_digest == digest(parent_raw)))
    return int(db.session.scalar(select(func.count()).select_from(OAuthToken).where(
        OAuthToken.parent_id == parent)) or 0)


def test_appkey_reset_refuses_the_old_key_on_the_next_refresh(world, client, refresh):
    first = _rest(client, world, refresh).get_json()
    legacy_first = _legacy(client, world, first["refresh_token"]).get_json()
    new_key = rotate_appkey(world.web, actor_id=world.developer.id)
    db.session.commit()
    refused = _rest(client, world, legacy_first["refresh_token"])
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
    assert _legacy(client, world, legacy_first["refresh_token"]).get_json()["error"] == 100040
    assert _children(legacy_first["refresh_token"]) == 0  # a refused client spends nothing
    assert _rest(client, world, legacy_first["refresh_token"], new_key).status_code == 200


def test_previous_appkey_works_during_a_rotation_overlap(world, client, refresh):
    rotate_appkey(world.web, actor_id=world.developer.id, overlap_seconds=60)
    db.session.commit()
    body = _legacy(client, world, refresh).get_json()
    assert "access_token" in body, body
    assert _rest(client, world, body["refresh_token"]).status_code == 200


def test_suspension_refuses_the_client_on_the_next_refresh(world, client, refresh):
    assert _rest(client, world, refresh).status_code == 200
    again = tokens.issue_tokens(world.web, world.user.id, ["get_user_info"],
                                grant_type="authorization_code")
    world.web.status = "suspended"  # tokens deliberately not revoked: the client check refuses
    db.session.commit()
    assert again.refresh_token
    refused = _rest(client, world, again.refresh_token)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
    assert _legacy(client, world, again.refresh_token).get_json()["error"] == 100011
    assert _children(again.refresh_token) == 0


@pytest.mark.parametrize("endpoint", [_rest, _legacy])
def test_a_spend_lost_to_a_concurrent_request_takes_the_grace_path(
        app, world, client, refresh, monkeypatch, endpoint):
    """The row was read live, but another request claimed it before this one: the reuse rules
    apply as if it had been read afterwards (here: the grace retry reissues, and revokes the
    pair the other request got)."""
    store = app.extensions["zc_token_store"]
    stale = store.find_refresh(digest(refresh))
    winner = endpoint(client, world, refresh)
    assert winner.status_code == 200
    reads = iter([stale])
    real_find = store.find_refresh
    monkeypatch.setattr(store, "claim_for_client", lambda *args: None)
    monkeypatch.setattr(store, "find_refresh", lambda d: next(reads, None) or real_find(d))
    retry = endpoint(client, world, refresh)
    body = retry.get_json()
    assert retry.status_code == 200 and "access_token" in body, body
    assert _children(refresh) == 2
    db.session.expire_all()
    first_pair = db.session.scalar(select(OAuthToken).where(
        OAuthToken.parent_id == stale.id).order_by(OAuthToken.id).limit(1))
    assert first_pair.revoked_at is not None  # the superseded sibling


def _sent_during(call: Any, monkeypatch: Any) -> list[str]:
    """Every statement a call sends, through SQLAlchemy or straight to psycopg."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    if POSTGRES_URL:
        import psycopg

        execute = psycopg.Connection.execute

        def driver_execute(conn: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(str(query))
            return execute(conn, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Connection, "execute", driver_execute)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        monkeypatch.undo()
    return sent


def _feed_listening(app: Any) -> None:
    """On PostgreSQL, wait until this process's NOTIFY listener is connected (until then the
    store trusts no cached read)."""
    feed = app.extensions["zc_token_store"].feed
    if feed is None:
        return
    feed.ensure_running()
    deadline = time.monotonic() + 10
    while not feed.healthy and time.monotonic() < deadline:
        time.sleep(0.02)
    assert feed.healthy
    time.sleep(0.2)  # notifications of the requests before land and are read
    while feed.unread() and time.monotonic() < deadline:
        time.sleep(0.02)


def _fresh(world: Any) -> str:
    issued = tokens.issue_tokens(world.web, world.user.id, ["get_user_info", "get_vip_info"],
                                 grant_type="authorization_code")
    db.session.commit()
    assert issued.refresh_token and world.web.appid  # the test's own reads happen before
    return issued.refresh_token


@pytest.mark.parametrize("endpoint", [_rest, _legacy])
def test_a_refresh_is_one_statement_on_postgresql_three_elsewhere(
        app, world, client, refresh, endpoint, monkeypatch):
    """PostgreSQL: claim (for the authenticated client's app only) and new pair in one
    statement, committed on its own. Elsewhere: the lookup, an UPDATE and an INSERT. The
    client's facts come from the store's cache (filled by the warm-up)."""
    endpoint(client, world, refresh)  # warm-up: compiled statements, pooled connections
    _feed_listening(app)
    raw = _fresh(world)
    endpoint(client, world, _fresh(world))  # client facts cached while the feed listens
    _feed_listening(app)
    sent = _sent_during(lambda: endpoint(client, world, raw), monkeypatch)
    assert len(sent) == (1 if POSTGRES_URL else 3), [statement[:60] for statement in sent]
    assert "refresh_digest" in sent[0]


def test_a_narrowing_refresh_reads_then_claims(app, world, client, refresh, monkeypatch):
    """With `scope` the rules must see the token's scopes first: the lookup, then the claim and
    the insert in the request's transaction."""
    _rest(client, world, refresh)
    _feed_listening(app)
    _rest(client, world, _fresh(world))
    raw = _fresh(world)

    def narrow() -> None:
        answer = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": raw,
                                          "scope": "get_user_info"},
                             auth=(world.web.appid, world.web_key))
        assert answer.status_code == 200 and answer.get_json()["scope"] == "get_user_info"

    sent = _sent_during(narrow, monkeypatch)
    assert len(sent) == 3, [statement[:60] for statement in sent]


def test_one_statement_and_full_path_answer_alike(world, client, refresh):
    """The body and headers of the one-statement answer are the ones Authlib's grant gives."""
    fast = _rest(client, world, refresh)
    full = client.post(TOKEN, data={"grant_type": "refresh_token", "scope": "get_user_info",
                                    "refresh_token": fast.get_json()["refresh_token"]},
                       auth=(world.web.appid, world.web_key))
    assert fast.status_code == full.status_code == 200
    tokens_masked = [re.sub(r'"[0-9A-F]{32}"', '"T"', answer.get_data(as_text=True))
                     for answer in (fast, full)]
    assert tokens_masked[0] == tokens_masked[1]  # same keys, order, spacing and values
    for name in ("Content-Type", "Cache-Control", "Pragma"):
        assert fast.headers[name] == full.headers[name]
    assert fast.get_json()["openid"] == full.get_json()["openid"]


def test_public_clients_refresh_without_a_secret_but_not_with_one(world, client):
    """Public clients authenticate with `none`; a secret sent by one (or none by a web app) is
    invalid_client, and nothing is spent."""
    issued = tokens.issue_tokens(world.native, world.user.id, ["get_user_info"],
                                 grant_type="authorization_code")
    web = tokens.issue_tokens(world.web, world.user.id, ["get_user_info"],
                              grant_type="authorization_code")
    db.session.commit()
    assert issued.refresh_token and web.refresh_token
    with_secret = client.post(TOKEN, data={"grant_type": "refresh_token",
                                           "refresh_token": issued.refresh_token},
                              auth=(world.native.appid, "0" * 32))
    assert with_secret.status_code == 401 and _children(issued.refresh_token) == 0
    no_secret = client.post(TOKEN, data={"grant_type": "refresh_token",
                                         "client_id": world.web.appid,
                                         "refresh_token": web.refresh_token})
    assert no_secret.status_code == 401 and _children(web.refresh_token) == 0
    ok = client.post(TOKEN, data={"grant_type": "refresh_token", "client_id": world.native.appid,
                                  "refresh_token": issued.refresh_token})
    assert ok.status_code == 200 and ok.get_json()["access_token"], ok.get_json()
    assert _children(issued.refresh_token) == 1


def test_apps_with_the_unionid_permission_get_it_on_both_paths(world, client, refresh):
    from gateway.identity.services import unionid_for

    world.web.unionid_enabled = True
    db.session.commit()
    fast = _rest(client, world, refresh).get_json()
    full = client.post(TOKEN, data={"grant_type": "refresh_token", "scope": "get_user_info",
                                    "refresh_token": fast["refresh_token"]},
                       auth=(world.web.appid, world.web_key)).get_json()
    expected = unionid_for(world.user.id, world.developer.id)
    assert fast["unionid"] == full["unionid"] == expected
    assert fast["openid"] == full["openid"]

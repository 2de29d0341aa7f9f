"""The TokenStore contract: every store implementation through the same cases.

Run on SQLite (portable SQL store, and the default caching store over it) and, with
TEST_DATABASE_URL, on PostgreSQL (the SQL store, the PostgreSQL store, and the default caching
store over it with its NOTIFY feed). The refresh rules (gateway/oauth/tokens.py) run on top of
whichever store is installed, so reuse detection and the grace window are checked through the
store's own claims.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from gateway.extensions import db
from gateway.oauth import tokens
from gateway.oauth.models import OAuthToken
from gateway.oauth.store import NewPair, RevokeWhere, current_store
from gateway.oauth.store.postgres import PostgresStore
from gateway.oauth.store.sql import SqlStore
from gateway.security.secrets import digest, new_hex32
from gateway.timeutil import utcnow
from tests.conftest import POSTGRES_URL

KINDS = ["sql", "cached"] + (["postgres"] if POSTGRES_URL else [])


@pytest.fixture(params=KINDS)
def store(request: Any, app: Flask, monkeypatch: Any) -> Any:
    """The store under test, installed as the app's store (the rules then use it too)."""
    if request.param == "cached":
        chosen = app.extensions["zc_token_store"]  # what init_app chose for this database
    else:
        chosen = SqlStore() if request.param == "sql" else PostgresStore()
        monkeypatch.setitem(app.extensions, "zc_token_store", chosen)
    return chosen


@pytest.fixture
def family(world: Any, store: Any) -> Any:
    issued = tokens.issue_tokens(world.web, world.user.id, ["get_user_info", "add_share"],
                                 grant_type="authorization_code")
    db.session.commit()
    return issued


def _pair(app_id: int, **overrides: Any) -> NewPair:
    now = utcnow()
    values: dict[str, Any] = dict(
        access_digest=digest(new_hex32()), refresh_digest=digest(new_hex32()), app_id=app_id,
        user_id=None, openid=None, scopes=[], grant_type="refresh_token", family=new_hex32(),
        family_started_at=now, parent_id=None, code_id=None, created_at=now,
        expires_at=now + timedelta(hours=1), refresh_expires_at=now + timedelta(days=1))
    values.update(overrides)
    return NewPair(**values)


def _cutoff() -> Any:
    return utcnow() - timedelta(days=90)


def _rows(family_id: str) -> list[OAuthToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(OAuthToken).where(OAuthToken.family == family_id)
                                   .order_by(OAuthToken.id)))


# -- claims ----------------------------------------------------------------------------------


def test_a_live_token_is_claimed_once_and_its_child_inherits_the_family(world, store, family):
    refresh_digest = digest(family.refresh_token)
    claimed = store.claim_for_client(refresh_digest, world.web.id, _pair(world.web.id), _cutoff())
    db.session.commit()
    assert claimed is not None
    assert (claimed.user_id, claimed.openid) == (world.user.id, family.openid)
    assert sorted(claimed.scopes) == ["add_share", "get_user_info"]
    again = store.claim_for_client(refresh_digest, world.web.id, _pair(world.web.id), _cutoff())
    db.session.commit()
    assert again is None
    parent, child = _rows(family.row.family)
    assert parent.rotated_at is not None and parent.revoked_at is not None
    assert (child.parent_id, child.user_id, child.openid) == (parent.id, world.user.id,
                                                              parent.openid)
    assert child.family_started_at == parent.family_started_at
    assert child.rotated_at is None and child.revoked_at is None


@pytest.mark.parametrize("spoil", ["another_app", "revoked", "expired", "family_too_old"])
def test_a_claim_takes_only_a_live_token_of_the_client(world, store, family, spoil):
    row = family.row
    app_id = world.web.id
    cutoff = _cutoff()
    if spoil == "another_app":
        app_id = world.native.id
    elif spoil == "revoked":
        row.revoked_at = utcnow()
    elif spoil == "expired":
        row.refresh_expires_at = utcnow() - timedelta(seconds=1)
    else:
        cutoff = row.family_started_at + timedelta(seconds=1)
    db.session.commit()
    assert store.claim_for_client(digest(family.refresh_token), app_id, _pair(app_id),
                                  cutoff) is None
    db.session.commit()
    assert len(_rows(row.family)) == 1


def test_concurrent_claims_of_one_token_issue_one_pair(app, world, store, family):
    refresh_digest = digest(family.refresh_token)
    barrier = threading.Barrier(5)
    results: list[Any] = []

    def claim() -> None:
        with app.app_context():
            app.extensions["zc_token_store"] = store
            barrier.wait()
            try:
                results.append(store.claim_for_client(refresh_digest, world.web.id,
                                                      _pair(world.web.id), _cutoff()))
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 5
    assert sum(result is not None for result in results) == 1
    assert len(_rows(family.row.family)) == 2


# -- the rules on each store -----------------------------------------------------------------


def test_reuse_of_a_rotated_token_revokes_the_whole_family(app, world, store, family):
    app.config["ZC_REFRESH_REUSE_GRACE"] = 0
    client = current_store().client(world.web.appid)
    first = tokens.refresh(client, family.refresh_token)
    db.session.commit()
    second = tokens.refresh(client, first.refresh_token)
    db.session.commit()
    with pytest.raises(tokens.GrantProblem) as refused:
        tokens.refresh(client, first.refresh_token)  # stolen and replayed
    db.session.commit()
    assert refused.value.ret == 100038
    assert all(row.revoked_at is not None for row in _rows(family.row.family))
    with pytest.raises(tokens.GrantProblem):
        tokens.refresh(client, second.refresh_token)  # the thief's victim logs in again


def test_the_grace_window_lets_only_the_previous_token_retry_once(app, world, store, family):
    app.config["ZC_REFRESH_REUSE_GRACE"] = 30
    client = current_store().client(world.web.appid)
    first = tokens.refresh(client, family.refresh_token)
    db.session.commit()
    retried = tokens.refresh(client, family.refresh_token)  # the response was lost
    db.session.commit()
    rows = _rows(family.row.family)
    superseded = next(r for r in rows if r.refresh_digest == digest(first.refresh_token))
    assert superseded.revoked_at is not None
    assert retried.openid == family.openid
    newest = tokens.refresh(client, retried.refresh_token)
    db.session.commit()
    with pytest.raises(tokens.GrantProblem):  # two generations back: reuse, not a retry
        tokens.refresh(client, family.refresh_token)
    db.session.commit()
    with pytest.raises(tokens.GrantProblem):
        tokens.refresh(client, newest.refresh_token)


def test_a_family_dies_at_its_absolute_lifetime(app, world, store, family):
    client = current_store().client(world.web.appid)
    first = tokens.refresh(client, family.refresh_token)
    db.session.commit()
    row = db.session.scalar(select(OAuthToken).where(
        OAuthToken.refresh_digest == digest(first.refresh_token)))
    row.family_started_at = utcnow() - timedelta(seconds=app.config["ZC_REFRESH_FAMILY_TTL"] + 1)
    db.session.commit()
    with pytest.raises(tokens.GrantProblem) as refused:
        tokens.refresh(client, first.refresh_token)
    assert refused.value.ret == 100037


# -- revocation seen across processes ------------------------------------------------------------


def _revoke_in_another_process(url: str, token_id: int) -> None:
    code = ("import sqlalchemy as sa, sys\n"
            "e = sa.create_engine(sys.argv[1])\n"
            "with e.begin() as c:\n"
            "    c.execute(sa.text('UPDATE oauth_tokens SET revoked_at = CURRENT_TIMESTAMP '\n"
            "                      'WHERE id = :id'), {'id': int(sys.argv[2])})\n")
    subprocess.run([sys.executable, "-c", code, url, str(token_id)], check=True, timeout=60)


def test_a_revocation_by_another_process_is_seen_at_once(app, world, store, family):
    access_digest = digest(family.access_token)
    cache = getattr(store, "tokens", None)
    deadline = time.monotonic() + 10
    while True:  # warm whatever the store caches (a cache must really answer before)
        check = store.access_check(access_digest)
        assert check is not None and not check.revoked
        if cache is None or cache.hits > 0 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert cache is None or cache.hits > 0
    _revoke_in_another_process(app.config["SQLALCHEMY_DATABASE_URI"], family.token_id)
    deadline = time.monotonic() + 1.0  # NOTIFY arrives in milliseconds; never a cache TTL
    while time.monotonic() < deadline:
        check = store.access_check(access_digest)
        if check is not None and check.revoked:
            break
        time.sleep(0.01)
    assert check is not None and check.revoked


def test_revocations_by_grant_app_and_family(world, store, family):
    other = tokens.issue_tokens(world.web, world.developer.id, ["get_user_info"],
                                grant_type="authorization_code")
    db.session.commit()
    assert store.revoke(RevokeWhere(user_id=world.user.id, app_id=world.web.id)) == 1
    db.session.commit()
    assert store.access_check(digest(family.access_token)).revoked
    assert not store.access_check(digest(other.access_token)).revoked
    assert store.revoke(RevokeWhere(app_id=world.web.id)) == 1
    db.session.commit()
    assert store.access_check(digest(other.access_token)).revoked
    count = db.session.scalar(select(func.count()).select_from(OAuthToken).where(
        OAuthToken.revoked_at.is_(None)))
    assert count == 0


# -- device codes (RFC 8628) -----------------------------------------------------------------


def _device_code(store: Any, app_id: int) -> tuple[str, str]:
    device_code, user_code = new_hex32(), "BCDFGHJK"
    store.insert_device_code({"device_code_digest": digest(device_code),
                              "user_code_digest": digest(user_code), "app_id": app_id,
                              "scopes": ["get_user_info", "add_share"], "interval": 5,
                              "expires_at": utcnow() + timedelta(minutes=10)})
    db.session.commit()
    return device_code, user_code


def test_a_device_code_is_decided_once_and_used_once(app, world, store):
    device_code, user_code = _device_code(store, world.web.id)
    row = store.find_user_code(digest(user_code))
    assert row is not None and row.approved is None
    assert store.find_device_code(digest(device_code)).id == row.id
    assert store.decide_device_code(row.id, world.user.id, ["get_user_info"])
    assert not store.decide_device_code(row.id, world.developer.id, None)  # another tab, late
    db.session.commit()
    decided = store.device_code(row.id)
    assert (decided.user_id, decided.approved, decided.scopes) == (
        world.user.id, True, ["get_user_info"])
    barrier, results = threading.Barrier(4), []

    def poll() -> None:
        with app.app_context():
            app.extensions["zc_token_store"] = store
            barrier.wait()
            try:
                results.append(store.use_device_code(row.id))
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, False, False, True]  # one token pair, never two


def test_polls_are_recorded_for_slow_down(world, store):
    device_code, _user_code = _device_code(store, world.web.id)
    row = store.find_device_code(digest(device_code))
    assert store.note_poll(row.id) is None
    db.session.commit()
    last = store.note_poll(row.id)
    assert last is not None and (utcnow() - last).total_seconds() < 5


def test_a_nonce_is_known_once_a_code_of_the_app_carried_it(world, store):
    assert not store.nonce_used(world.web.id, "n-0S6_WzA2Mj")
    tokens.issue_code(world.web, world.user.id, redirect_uri="https://web.example/cb",
                      scopes=["openid"], nonce="n-0S6_WzA2Mj")
    db.session.commit()
    assert store.nonce_used(world.web.id, "n-0S6_WzA2Mj")
    assert not store.nonce_used(world.web.id, "another")


# -- DPoP bindings ---------------------------------------------------------------------------


JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"  # RFC 7638's example thumbprint


def test_a_pairs_dpop_key_is_stored_read_with_each_check_and_kept_from_a_claim(
        world, store):
    bound = tokens.issue_tokens(world.web, world.user.id, ["get_user_info"],
                                grant_type="authorization_code", jkt=JKT)
    db.session.commit()
    for _ in range(2):  # the second read may come from the cache: the binding comes with it
        check = store.access_check(digest(bound.access_token))
        assert check is not None and check.jkt == JKT
    row = store.find_refresh(digest(bound.refresh_token))
    assert row is not None and row.jkt == JKT
    # The one-statement claim takes unbound tokens only: a bound one goes to the rules, which
    # check the proof's key first.
    assert store.claim_for_client(digest(bound.refresh_token), world.web.id,
                                  _pair(world.web.id), _cutoff()) is None
    db.session.commit()
    unbound = tokens.issue_tokens(world.web, world.user.id, ["get_user_info"],
                                  grant_type="authorization_code")
    db.session.commit()
    assert store.access_check(digest(unbound.access_token)).jkt is None
    child = _pair(world.web.id, jkt=None)
    assert store.claim_for_client(digest(unbound.refresh_token), world.web.id, child,
                                  _cutoff()) is not None
    db.session.commit()
    assert store.access_check(child.access_digest).jkt is None
    # A pair inserted with a key (a bound refresh, through the rules) keeps it.
    facts = store.client_by_id(world.web.id)
    moved = tokens.refresh(facts, bound.refresh_token, jkt="N" * 43)  # a new key (confidential)
    db.session.commit()
    assert store.access_check(digest(moved.access_token)).jkt == "N" * 43
    assert moved.token_type == "DPoP"

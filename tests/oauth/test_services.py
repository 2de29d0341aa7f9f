"""The resource-side helpers other domains call, the purge and key commands."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gateway.authorizations import services as authorizations
from gateway.extensions import db
from gateway.oauth import keys, tokens
from gateway.oauth.errors import (
    AppSuspended,
    ExpiredToken,
    InvalidToken,
    MissingToken,
    RevokedToken,
    TokenError,
)
from gateway.oauth.models import OAuthCode, OAuthToken, SigningKey
from gateway.oauth.services import (
    authenticate_access_token,
    forget_app,
    revoke_tokens_for,
    revoke_tokens_for_app,
)
from gateway.timeutil import utcnow


@pytest.fixture
def issued(world):
    authorizations.record_consent(world.user.id, world.web.id, ["get_user_info", "add_share"])
    result = tokens.issue_tokens(world.web, world.user.id, ["get_user_info", "add_share"],
                                 grant_type="authorization_code")
    db.session.commit()
    forget_app()
    return result


def test_authenticate_access_token_context(world, issued):
    ctx = authenticate_access_token(issued.access_token)
    assert ctx.user_id == world.user.id and ctx.app.appid == world.web.appid
    assert ctx.scopes == frozenset({"get_user_info", "add_share"})
    assert ctx.openid == issued.row.openid and ctx.token_id == issued.row.id


def test_effective_scope_is_token_and_grant_and_permission(world, issued):
    authorizations.revoke(world.user.id, world.web.id)
    authorizations.record_consent(world.user.id, world.web.id, ["get_user_info"])
    db.session.commit()
    assert authenticate_access_token(issued.access_token).scopes == {"get_user_info"}
    for permission in world.web.permissions:
        if permission.scope == "get_user_info":
            permission.status = "refused"
    db.session.commit()
    forget_app(world.web.id)
    assert authenticate_access_token(issued.access_token).scopes == frozenset()


@pytest.mark.parametrize(("raw", "error", "ret"), [
    (None, MissingToken, 100007), ("", MissingToken, 100007),
    ("0" * 32, InvalidToken, 100013), ("x" * 500, InvalidToken, 100013)])
def test_bad_tokens(world, raw, error, ret):
    with pytest.raises(error) as caught:
        authenticate_access_token(raw)
    assert caught.value.ret == ret and caught.value.status == 401
    assert caught.value.code == "invalid_token"


def test_expired_and_revoked(world, issued):
    issued.row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(ExpiredToken):
        authenticate_access_token(issued.access_token)
    assert revoke_tokens_for(world.user.id, world.web.id) == 1
    db.session.commit()
    with pytest.raises(RevokedToken) as caught:
        authenticate_access_token(issued.access_token)
    assert caught.value.ret == 100015


def test_revoke_tokens_for_app_stops_tokens_and_codes_at_once(world, issued):
    code = tokens.issue_code(world.web, world.user.id, redirect_uri=world.web.redirect_uris[0],
                             scopes=["get_user_info"])
    authenticate_access_token(issued.access_token)  # warms the per-process cache
    world.web.status = "suspended"
    assert revoke_tokens_for_app(world.web.id) == 1
    db.session.commit()
    with pytest.raises(TokenError):
        authenticate_access_token(issued.access_token)
    with pytest.raises(tokens.GrantProblem):
        tokens.find_code(world.web, code)


def test_suspended_app_token_refused_even_if_not_revoked(world, issued):
    world.web.status = "suspended"
    db.session.commit()
    forget_app()
    with pytest.raises(AppSuspended) as caught:
        authenticate_access_token(issued.access_token)
    assert caught.value.ret == 100011 and caught.value.status == 403


def test_authenticate_never_writes(world, issued):
    before = db.session.scalar(select(OAuthToken.created_at))
    authenticate_access_token(issued.access_token)
    assert not db.session.dirty and not db.session.new
    assert db.session.scalar(select(OAuthToken.created_at)) == before


def test_tokens_purge_command(world, issued, runner):
    issued.row.expires_at = utcnow() - timedelta(days=1)
    issued.row.refresh_expires_at = utcnow() - timedelta(days=1)
    tokens.issue_code(world.web, world.user.id, redirect_uri="x", scopes=[])
    db.session.scalars(select(OAuthCode)).one().expires_at = utcnow() - timedelta(seconds=1)
    live = tokens.issue_tokens(world.web, world.user.id, [], grant_type="authorization_code")
    db.session.commit()
    result = runner.invoke(args=["tokens", "purge", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"deleted": 2}
    db.session.expire_all()
    assert db.session.scalars(select(OAuthToken.id)).all() == [live.row.id]
    assert db.session.scalar(select(func.count()).select_from(OAuthCode)) == 0


def test_keys_rotate_keeps_old_key_published_until_its_tokens_expire(app, runner, client):
    # One key per algorithm in use: id_tokens (RS256) and JWT access tokens (ES256).
    first = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert sorted(k["alg"] for k in first) == ["ES256", "RS256"]
    assert not any("d" in k for k in first)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new_kids = json.loads(result.output)["kids"]
    published = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert published == {k["kid"] for k in first} | set(new_kids)
    db.session.expire_all()
    for key in first:
        old = db.session.scalar(select(SigningKey).where(SigningKey.kid == key["kid"]))
        old.retire_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    published = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert published == set(new_kids)
    assert keys.current_row("RS256").kid in new_kids


def test_bench_seeder_stores_digests_that_authenticate(world):
    from bench.token_seeder import seed_tokens

    sample = seed_tokens(app_id=world.web.id, appid=world.web.appid,
                         user_ids=[world.user.id, world.developer.id], count=7, sample=3)
    assert len(sample) == 3
    assert db.session.scalar(select(func.count()).select_from(OAuthToken)) == 7
    forget_app()
    ctx = authenticate_access_token(sample[1])
    assert ctx.user_id == world.developer.id and "get_user_info" in ctx.scopes

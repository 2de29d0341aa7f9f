"""A refresh-token family lives ZC_REFRESH_FAMILY_TTL from the original login (QQ Connect:
three months), however often it rotated; then the user logs in again. Checked at both front
doors, on the one-statement claim and on the rules' own path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from gateway.extensions import db
from gateway.oauth import tokens
from gateway.oauth.models import OAuthToken
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

TTL = 3600


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_REFRESH_FAMILY_TTL": TTL}


def _standard(client: Any, world: Any, raw: str) -> tuple[int, dict[str, Any]]:
    answer = client.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                "refresh_token": raw},
                         auth=(world.web.appid, world.web_key))
    return answer.status_code, answer.get_json()


def _qq(client: Any, world: Any, raw: str) -> tuple[int, dict[str, Any]]:
    answer = client.get("/oauth2.0/token", query_string={
        "grant_type": "refresh_token", "client_id": world.web.appid, "fmt": "json",
        "client_secret": world.web_key, "refresh_token": raw})
    return answer.status_code, answer.get_json()


def _age_family(raw: str, seconds: int) -> None:
    family = db.session.scalar(select(OAuthToken.family).where(
        OAuthToken.refresh_digest == digest(raw)))
    db.session.execute(update(OAuthToken).where(OAuthToken.family == family)
                       .values(family_started_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def _login(world: Any) -> str:
    issued = tokens.issue_tokens(world.web, world.user.id, ["get_user_info"],
                                 grant_type="authorization_code")
    db.session.commit()
    assert issued.refresh_token
    return issued.refresh_token


def _rules_only(app: Any, monkeypatch: Any) -> None:
    """Skip the one-statement claim: the rules alone must refuse."""
    monkeypatch.setattr(app.extensions["zc_token_store"], "claim_for_client",
                        lambda *args: None)


@pytest.mark.parametrize("path", ["claim", "rules"])
@pytest.mark.parametrize("door", [_standard, _qq])
def test_rotation_keeps_the_login_time_and_the_family_dies_after_its_lifetime(
        app, world, client, monkeypatch, door, path):
    if path == "rules":
        _rules_only(app, monkeypatch)
    raw = _login(world)
    started = db.session.scalar(select(OAuthToken.family_started_at).where(
        OAuthToken.refresh_digest == digest(raw)))
    status, body = door(client, world, raw)
    assert status == 200 and body["refresh_token"], body
    db.session.expire_all()
    child = db.session.scalar(select(OAuthToken).where(
        OAuthToken.refresh_digest == digest(body["refresh_token"])))
    assert child.family_started_at == started  # a rotation does not restart the clock
    _age_family(body["refresh_token"], TTL + 1)
    status, refused = door(client, world, body["refresh_token"])
    if door is _standard:
        assert (status, refused["error"]) == (400, "invalid_grant")
    else:
        assert (status, refused["error"]) == (200, 100037)
    db.session.expire_all()
    assert db.session.scalar(select(OAuthToken.rotated_at).where(
        OAuthToken.refresh_digest == digest(body["refresh_token"]))) is None  # nothing spent


@pytest.mark.parametrize("door", [_standard, _qq])
def test_a_family_just_inside_its_lifetime_still_refreshes(world, client, door):
    raw = _login(world)
    _age_family(raw, TTL - 60)
    status, body = door(client, world, raw)
    assert status == 200 and body["access_token"], body


def test_a_narrowing_refresh_obeys_the_lifetime_too(world, client):
    raw = _login(world)
    _age_family(raw, TTL + 1)
    answer = client.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                "refresh_token": raw, "scope": "get_user_info"},
                         auth=(world.web.appid, world.web_key))
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"

"""Server-side sessions: the cookie is an opaque id; logout and password changes end records."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from gateway.accounts import sessions
from gateway.accounts.models import UserSession
from gateway.extensions import db
from gateway.timeutil import utcnow
from tests.conftest import Auth, csrf_from

COOKIE = "zc_session"


def _cookie(client: FlaskClient) -> str:
    found = client.get_cookie(COOKIE)
    assert found is not None
    return found.value


def _replay(app: Flask, value: str) -> FlaskClient:
    """A different browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/account/profile").status_code == 200


def test_a_copied_cookie_dies_at_logout(app: Flask, client: FlaskClient, auth: Auth,
                                        factory) -> None:
    factory.user("alice")
    auth.login("alice")
    stolen = _cookie(client)
    assert _signed_in(_replay(app, stolen))
    auth.logout()
    assert not _signed_in(client)
    assert not _signed_in(_replay(app, stolen))
    record = db.session.query(UserSession).one()
    assert record.ended_reason == "logout" and record.ended_at is not None


def test_the_cookie_carries_only_an_opaque_id(app: Flask, client: FlaskClient, auth: Auth,
                                              factory) -> None:
    factory.user("alice")
    auth.login("alice")
    data = app.session_interface.get_signing_serializer(app).loads(_cookie(client))
    assert set(data) <= {"sid", "csrf_token", "_flashes", "_permanent"}  # no uid, no epoch
    assert isinstance(data["sid"], str) and len(data["sid"]) >= 40
    record = db.session.query(UserSession).one()
    assert record.token_digest != data["sid"] and len(record.token_digest) == 64


def test_a_password_change_ends_every_other_session(app: Flask, client: FlaskClient,
                                                    auth: Auth, factory) -> None:
    factory.user("alice")
    other = app.test_client()
    Auth(other).login("alice")
    auth.login("alice")
    html = client.get("/account/password").get_data(as_text=True)
    response = client.post("/account/password", data={
        "csrf_token": csrf_from(html), "current_password": "password123",
        "new_password": "a-new-long-password", "confirm": "a-new-long-password"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _signed_in(client)
    assert not _signed_in(other)
    live = sessions.active_sessions(db.session.query(UserSession).first().user_id)
    assert len(live) == 1
    reasons = sorted(r.ended_reason or "" for r in db.session.query(UserSession))
    assert reasons == ["", "password_changed", "password_changed"]


def test_records_say_who_where_and_when(app: Flask, client: FlaskClient, auth: Auth,
                                        factory) -> None:
    user = factory.user("alice")
    client.get("/login", headers={"User-Agent": "Firefox/140"})
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "alice", "password": "password123",
                                "csrf_token": token},
                headers={"User-Agent": "Firefox/140"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    [record] = sessions.active_sessions(user.id)
    assert record.user_agent == "Firefox/140" and record.ip_address == "203.0.113.9"
    assert record.created_at <= record.last_seen_at and record.ended_at is None


def test_last_seen_is_touched_rarely_and_idle_sessions_expire(app: Flask, client: FlaskClient,
                                                              auth: Auth, factory) -> None:
    user = factory.user("alice")
    auth.login("alice")
    [record] = sessions.active_sessions(user.id)
    six_minutes_ago = utcnow() - timedelta(minutes=6)
    db.session.execute(update(UserSession).values(last_seen_at=six_minutes_ago))
    db.session.commit()
    assert _signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).last_seen_at > six_minutes_ago
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(days=15)))
    db.session.commit()
    assert not _signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).ended_reason == "expired"


def test_service_api_ends_only_the_owners_sessions(app: Flask, factory) -> None:
    alice, bob = factory.user("alice"), factory.user("bob")
    with app.test_request_context():
        first = sessions.login(alice)
        second = sessions.login(alice)
        bobs = sessions.login(bob)
        db.session.commit()
        assert sessions.end(alice.id, bobs.id) is False
        assert sessions.end(alice.id, first.id) is True
        assert [s.id for s in sessions.active_sessions(alice.id)] == [second.id]
        assert sessions.end_all(bob.id, "signed_out", keep=bobs.id) == 0
        assert sessions.end_all(alice.id, "signed_out") == 1
        db.session.commit()
        assert sessions.active_sessions(alice.id) == []
        assert [s.id for s in sessions.active_sessions(bob.id)] == [bobs.id]

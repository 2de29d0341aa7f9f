"""OIDC Back-Channel Logout 1.0 through real requests: a browser logs in to ZoneConnect and signs
in to an app with a real OAuth client; the session ends (the logout button, RP-initiated logout,
the sessions page, a password change, an operator); the outbox worker POSTs a logout token to a
loopback receiver, which verifies it with the published JWKS."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from gateway.accounts import services as account_services
from gateway.apps.services import create_app
from gateway.extensions import db
from gateway.moderation import services as moderation
from gateway.oauth import backchannel
from gateway.oauth.models import OAuthToken
from gateway.outbox import worker
from gateway.outbox.models import OutboxMessage
from gateway.timeutil import utcnow
from tests.oauth.test_oidc_flow import BASE, CSRF, _browser, _consent, _login, isolated
from tests.outbox.test_worker import Receiver

EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def discovery(app: Any) -> dict[str, Any]:
    with _browser(app) as anonymous:
        return anonymous.get("/.well-known/openid-configuration").json()


@pytest.fixture
def bc_world(world: Any, receiver: Receiver) -> Any:
    world.web.backchannel_logout_uri = receiver.url
    db.session.commit()
    return world


def _client(app: Any, appid: str, key: str) -> Any:
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(transport=httpx.WSGITransport(app=isolated(app)), base_url=BASE,
                        client_id=appid, client_secret=key,
                        redirect_uri="https://site.example/callback", scope="openid profile")


def _sign_in(app: Any, browser: httpx.Client, appid: str, key: str,
             discovery: dict[str, Any]) -> dict[str, Any]:
    """The browser (already logged in to ZoneConnect) signs in to an app: its token response."""
    client = _client(app, appid, key)
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"])
    callback = _consent(browser, url)
    return dict(client.fetch_token(discovery["token_endpoint"], authorization_response=callback))


def _logged_in(app: Any, username: str = "alice") -> httpx.Client:
    browser = _browser(app)
    _login(browser, username)
    return browser


def _keyset(app: Any, discovery: dict[str, Any]) -> KeySet:
    with _browser(app) as anonymous:
        return KeySet.import_key_set(anonymous.get(discovery["jwks_uri"]).json())


def _claims(token: str, keyset: KeySet) -> dict[str, Any]:
    return dict(jwt.decode(token, keyset, algorithms=["RS256", "ES256"]).claims)


def _logout_tokens(receiver: Receiver) -> list[str]:
    found = []
    for request in receiver.requests:
        assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
        [token] = parse_qs(request["body"].decode(), strict_parsing=True)["logout_token"]
        found.append(token)
    return found


def _press_logout(browser: httpx.Client) -> None:
    token = CSRF.search(browser.get("/").text)[1]
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302


def test_discovery_advertises_back_channel_logout(discovery):
    assert discovery["backchannel_logout_supported"] is True
    assert discovery["backchannel_logout_session_supported"] is True


def test_logging_out_of_zoneconnect_sends_a_logout_token_the_jwks_verifies(
        app, bc_world, receiver, discovery):
    world = bc_world
    browser = _logged_in(app)
    with closing(browser):
        token = _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        keyset = _keyset(app, discovery)
        id_token = _claims(token["id_token"], keyset)
        assert worker.run_once() == 0  # nothing is sent while the session holds
        _press_logout(browser)
    assert worker.run_once() == 1
    [raw] = _logout_tokens(receiver)
    header = jwt.decode(raw, keyset, algorithms=["RS256", "ES256"]).header
    assert header["typ"] == "logout+jwt" and header["alg"] in ("RS256", "ES256")
    claims = _claims(raw, keyset)
    assert claims["iss"] == discovery["issuer"] == BASE
    assert claims["aud"] == world.web.appid
    assert claims["sid"] == id_token["sid"] and claims["sub"] == id_token["sub"]
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    assert 0 < claims["exp"] - claims["iat"] <= 120 and len(claims["jti"]) >= 16
    message = db.session.scalar(select(OutboxMessage))
    assert message.event_type == "oidc.backchannel_logout" and message.status == "delivered"
    assert "logout_token" not in message.body  # the token is minted at delivery, never stored


def test_rp_initiated_logout_notifies_the_app(app, bc_world, receiver, discovery):
    world = bc_world
    browser = _logged_in(app)
    with closing(browser):
        token = _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        answer = browser.get(discovery["end_session_endpoint"],
                             params={"id_token_hint": token["id_token"]})
        assert answer.status_code == 200
    assert worker.run_once() == 1
    [raw] = _logout_tokens(receiver)
    claims = _claims(raw, _keyset(app, discovery))
    assert claims["sid"] == _claims(token["id_token"], _keyset(app, discovery))["sid"]


def test_a_failed_delivery_is_retried_with_a_fresh_token(app, bc_world, receiver, discovery):
    world = bc_world
    browser = _logged_in(app)
    with closing(browser):
        _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        _press_logout(browser)
    receiver.status = 500
    assert worker.run_once() == 1
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert message.status == "pending" and message.attempts == 1
    assert message.next_attempt_at > utcnow()
    assert worker.run_once() == 0  # not due yet
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    receiver.status = 200
    assert worker.run_once() == 1
    db.session.refresh(message)
    assert message.status == "delivered"
    assert [a.ok for a in message.deliveries] == [False, True]
    assert [a.status_code for a in message.deliveries] == [500, 200]
    first, second = (_claims(t, _keyset(app, discovery)) for t in _logout_tokens(receiver))
    assert first["sid"] == second["sid"] and first["jti"] != second["jti"]


def test_only_the_apps_this_session_logged_into_are_told(app, bc_world, receiver, discovery):
    """A session's end names its own sid to the apps it signed in to, and nothing to an app
    the user signed in to from another session."""
    world = bc_world
    other_receiver = Receiver()
    try:
        other, other_key = create_app(world.developer, name="Other Site",
                                      redirect_uris=["https://site.example/callback"],
                                      live=True)
        other.backchannel_logout_uri = other_receiver.url
        no_url, no_url_key = create_app(world.developer, name="Quiet Site",
                                        redirect_uris=["https://site.example/callback"],
                                        live=True)
        db.session.commit()
        laptop, phone = _logged_in(app), _logged_in(app)
        with closing(laptop), closing(phone):
            _sign_in(app, laptop, world.web.appid, world.web_key, discovery)
            _sign_in(app, laptop, no_url.appid, no_url_key, discovery)
            _sign_in(app, phone, other.appid, other_key, discovery)
            _press_logout(laptop)
            assert worker.run_once() == 1
            assert len(receiver.requests) == 1 and other_receiver.requests == []
            _press_logout(phone)
            assert worker.run_once() == 1
        [to_web], [to_other] = _logout_tokens(receiver), _logout_tokens(other_receiver)
        keyset = _keyset(app, discovery)
        web_claims, other_claims = _claims(to_web, keyset), _claims(to_other, keyset)
        assert web_claims["aud"] == world.web.appid and other_claims["aud"] == other.appid
        assert web_claims["sid"] != other_claims["sid"]
        assert web_claims["sub"] != other_claims["sub"]  # pairwise openids
    finally:
        other_receiver.close()


def test_refreshed_tokens_keep_the_session(app, bc_world, receiver, discovery):
    """The sid survives refresh-token rotation and the purge of the rotated pairs."""
    world = bc_world
    browser = _logged_in(app)
    with closing(browser):
        token = _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        client = _client(app, world.web.appid, world.web_key)
        client.refresh_token(discovery["token_endpoint"], refresh_token=token["refresh_token"])
        rows = list(db.session.scalars(select(OAuthToken).order_by(OAuthToken.id)))
        assert len(rows) == 2 and rows[0].sid and rows[1].sid == rows[0].sid
        db.session.delete(rows[0])  # as `tokens purge` does once the rotated pair is dead
        db.session.commit()
        _press_logout(browser)
    assert worker.run_once() == 1 and len(receiver.requests) == 1


def test_every_way_a_session_ends_notifies(app, bc_world, receiver, discovery, runner,
                                          factory):
    world = bc_world
    # Outside a request (the password change below, the operator's command) the issuer comes
    # from configuration, as in production.
    app.config["ZC_ISSUER"] = BASE

    def signed_in() -> httpx.Client:
        browser = _logged_in(app)
        _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        return browser

    def sids() -> list[str]:
        keyset = _keyset(app, discovery)
        return [_claims(t, keyset)["sid"] for t in _logout_tokens(receiver)]

    # The sessions page: "sign out all other sessions", then one session.
    keep, other, third = signed_in(), signed_in(), signed_in()
    with closing(keep), closing(other), closing(third):
        page = keep.get("/account/sessions").text
        assert keep.post("/account/sessions/end-others",
                         data={"csrf_token": CSRF.search(page)[1]}).status_code == 302
        assert worker.run_once() == 2 and len(set(sids())) == 2
        # A password change ends the remaining session too.
        db.session.expire_all()
        account_services.change_password(world.user, "password123", "a-New-passw0rd!")
        db.session.commit()
        assert worker.run_once() == 1 and len(set(sids())) == 3
    # An operator's sign-out everywhere.
    browser = _browser(app)
    with closing(browser):
        token = CSRF.search(browser.get("/login").text)[1]
        assert browser.post("/login", data={"username": "alice", "password": "a-New-passw0rd!",
                                            "csrf_token": token}).status_code == 302
        _sign_in(app, browser, world.web.appid, world.web_key, discovery)
    result = runner.invoke(args=["users", "end-sessions", "--username", "alice"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ended": 1}
    assert worker.run_once() == 1 and len(set(sids())) == 4
    # An operator deactivating the account from the console (its tokens are revoked too).
    browser = _browser(app)
    with closing(browser):
        token = CSRF.search(browser.get("/login").text)[1]
        assert browser.post("/login", data={"username": "alice", "password": "a-New-passw0rd!",
                                            "csrf_token": token}).status_code == 302
        _sign_in(app, browser, world.web.appid, world.web_key, discovery)
    operator = factory.user("root", is_admin=True)
    moderation.suspend(world.user, operator, "deactivated", "test")
    db.session.commit()
    assert worker.run_once() == 1 and len(set(sids())) == 5


def test_the_deliveries_page_shows_logout_tokens(app, bc_world, receiver, discovery):
    world = bc_world
    browser = _logged_in(app)
    with closing(browser):
        _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        _press_logout(browser)
    worker.run_once()
    devon = _logged_in(app, "devon")
    with closing(devon):
        page = devon.get(f"/developer/apps/{world.web.appid}/deliveries").text
    assert "oidc.backchannel_logout" in page and receiver.url in page
    assert re.search(r"<td>200</td>", page)


def test_logout_token_is_signed_at_delivery_with_the_current_key(app, bc_world, receiver,
                                                                  discovery):
    world = bc_world
    browser = _logged_in(app)
    with closing(browser):
        _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        _press_logout(browser)
    from gateway.oauth import keys

    keys.rotate()  # between the logout and the delivery
    db.session.commit()
    worker.run_once()
    [raw] = _logout_tokens(receiver)
    header = jwt.decode(raw, _keyset(app, discovery), algorithms=["RS256", "ES256"]).header
    assert header["kid"] == keys.current_row(keys.signing_algorithm()).kid
    assert backchannel.EVENT == EVENT

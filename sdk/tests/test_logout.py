"""Single logout: `end_session_url` (RP-Initiated Logout 1.0), `verify_logout_token` and the
Flask blueprint's back-channel logout receiver (Back-Channel Logout 1.0 §2.6-2.8): a logout
token is verified as strictly as an id_token, and every forged, replayed or misdirected one is
refused without signing anybody out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from conftest import FakeClock
from fakes import APP_ID, BASE, OPENID, FakeProvider
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jws, jwt
from test_flask import complete, start_login

import zoneconnect
from zoneconnect import LogoutTokenError
from zoneconnect.flask import (
    ID_TOKEN_KEY,
    SID_KEY,
    USER_KEY,
    MemoryReplayCache,
    create_blueprint,
    current_user,
    save_token,
)

SID = "zc-session-1"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- end_session_url --------------------------------------------------------------------------


def test_end_session_url_uses_the_discovered_endpoint(client: Any,
                                                      provider: FakeProvider) -> None:
    provider.discovery_extra["end_session_endpoint"] = BASE + "/oauth2/logout?ui=1"
    url = client.end_session_url(id_token_hint="eyJ.a.b", post_logout_redirect_uri=(
        "https://site.example/bye"), state="s 1", logout_hint=OPENID)
    assert url.startswith(BASE + "/oauth2/logout?ui=1&")
    assert _query(url) == {"ui": "1", "client_id": APP_ID, "id_token_hint": "eyJ.a.b",
                           "post_logout_redirect_uri": "https://site.example/bye",
                           "state": "s 1", "logout_hint": OPENID}


def test_end_session_url_without_discovery_entry_and_options(client: Any) -> None:
    url = client.end_session_url()
    assert url == BASE + "/oauth2/logout?client_id=" + APP_ID


@pytest.mark.anyio
async def test_async_end_session_url_and_logout_token(provider: FakeProvider,
                                                      clock: FakeClock) -> None:
    provider.discovery_extra["end_session_endpoint"] = BASE + "/oauth2/logout"
    async with zoneconnect.AsyncClient(
            app_id=APP_ID, app_key="0123456789ABCDEF0123456789ABCDEF", base_url=BASE,
            _clock=clock, http_client=httpx.AsyncClient(transport=provider.transport())) as zc:
        assert await zc.end_session_url(state="x") == (
            BASE + "/oauth2/logout?client_id=" + APP_ID + "&state=x")
        claims = await zc.verify_logout_token(provider.logout_token())
        assert claims.sid == SID


# -- verify_logout_token ----------------------------------------------------------------------


def test_valid_logout_tokens(client: Any, provider: FakeProvider) -> None:
    claims = client.verify_logout_token(provider.logout_token())
    assert (claims.iss, claims.aud, claims.sid, claims.sub) == (BASE, APP_ID, SID, OPENID)
    assert claims.claims["events"] == {EVENT: {}} and len(claims.jti) == 32
    assert client.verify_logout_token(provider.logout_token(key="ec", sid=None)).sub == OPENID
    assert client.verify_logout_token(provider.logout_token(sub=None)).sid == SID
    assert client.verify_logout_token(provider.logout_token(typ=None)).sid == SID  # typ optional


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"aud": "999"}, "aud"),
        ({"iss": "http://evil.test"}, "iss"),
        ({"exp": None}, "exp"),
        ({"iat": None}, "iat"),
        ({"jti": None}, "jti"),
        ({"events": None}, "event"),
        ({"events": {"http://schemas.openid.net/event/other": {}}}, "event"),
        ({"events": {EVENT: "yes"}}, "event"),
        ({"nonce": "n1"}, "nonce"),
        ({"sid": None, "sub": None}, "neither"),
        ({"sid": 7}, "string"),
    ],
    ids=["wrong-aud", "wrong-iss", "no-exp", "no-iat", "no-jti", "no-events", "other-event",
         "event-not-object", "nonce", "no-sid-no-sub", "sid-not-string"],
)
def test_bad_claims_are_refused(client: Any, provider: FakeProvider, claims: dict[str, Any],
                                message: str) -> None:
    with pytest.raises(LogoutTokenError, match=message):
        client.verify_logout_token(provider.logout_token(**claims))


def test_expired_old_and_future_tokens(client: Any, provider: FakeProvider,
                                       clock: FakeClock) -> None:
    now = int(clock.now)
    with pytest.raises(LogoutTokenError, match="expired"):
        client.verify_logout_token(provider.logout_token(iat=now - 300, exp=now - 120))
    with pytest.raises(LogoutTokenError, match="too old"):
        client.verify_logout_token(provider.logout_token(iat=now - 3600, exp=now + 60))
    with pytest.raises(LogoutTokenError, match="future"):
        client.verify_logout_token(provider.logout_token(iat=now + 3600, exp=now + 3700))


def test_an_id_token_is_not_a_logout_token(client: Any, provider: FakeProvider,
                                           clock: FakeClock) -> None:
    """Same issuer, audience, key and sid: still refused, by its type or its missing event."""
    now = int(clock.now)
    claims = {"iss": BASE, "aud": APP_ID, "sub": OPENID, "sid": SID, "iat": now,
              "exp": now + 600, "jti": "j1"}
    typed = jwt.encode({"alg": "RS256", "kid": provider.keys.rsa.kid, "typ": "JWT"}, claims,
                       provider.keys.rsa)
    with pytest.raises(LogoutTokenError, match="typ"):
        client.verify_logout_token(typed)
    untyped = jws.serialize_compact({"alg": "RS256", "kid": provider.keys.rsa.kid},
                                    json.dumps(claims).encode(), provider.keys.rsa)
    with pytest.raises(LogoutTokenError, match="event"):
        client.verify_logout_token(untyped)


def test_forged_and_unsigned_tokens_are_refused(client: Any, provider: FakeProvider) -> None:
    good = provider.logout_token()
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered = _b64(json.dumps({**claims, "sid": "someone-else"}).encode())
    none_header = _b64(json.dumps({"alg": "none", "typ": "logout+jwt"}).encode())
    # HS256 keyed with the provider's public key (the algorithm-confusion attack).
    public_pem = provider.keys.rsa.as_pem(private=False)
    hs_header = _b64(json.dumps({"alg": "HS256", "kid": provider.keys.rsa.kid,
                                 "typ": "logout+jwt"}).encode())
    hs_mac = hmac.new(public_pem, f"{hs_header}.{payload}".encode(), hashlib.sha256).digest()
    forged = {
        "tampered": f"{header}.{tampered}.{signature}",
        "alg none": f"{none_header}.{payload}.",
        "HS256 with the public key": f"{hs_header}.{payload}.{_b64(hs_mac)}",
        "other key under a known kid": provider.logout_token(key="other",
                                                             kid=provider.keys.rsa.kid),
        "garbage": "not-a-jwt",
    }
    for name, token in forged.items():
        with pytest.raises(zoneconnect.IDTokenError):
            client.verify_logout_token(token)
            pytest.fail(name)


# -- the Flask receiver -----------------------------------------------------------------------


@pytest.fixture
def zc(provider: FakeProvider, clock: FakeClock) -> Iterator[zoneconnect.Client]:
    provider.id_token_extra["sid"] = SID
    provider.discovery_extra["end_session_endpoint"] = BASE + "/oauth2/logout"
    with zoneconnect.Client(app_id=APP_ID, app_key="0123456789ABCDEF0123456789ABCDEF",
                            base_url=BASE, _clock=clock, _sleep=clock.sleep,
                            http_client=httpx.Client(transport=provider.transport()),
                            on_token_refresh=save_token) as client:
        yield client


@pytest.fixture
def logged_out() -> list[Any]:
    return []


@pytest.fixture
def browser(zc: zoneconnect.Client, logged_out: list[Any], clock: FakeClock) -> FlaskClient:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", TESTING=True)
    app.register_blueprint(create_blueprint(
        zc, scopes=("openid", "get_user_info"), end_session=True,
        post_logout_redirect_uri="https://site.example/bye",
        replay_cache=MemoryReplayCache(clock=clock), on_backchannel_logout=logged_out.append))

    @app.get("/")
    def index() -> str:
        user = current_user()
        return f"hello {user['nickname']}" if user else "anonymous"

    return app.test_client()


def _post(browser: FlaskClient, token: str | None) -> Any:
    # Another client: the platform's worker, not the user's browser (no session cookie).
    data = {} if token is None else {"logout_token": token}
    return browser.application.test_client().post("/zoneconnect/backchannel-logout", data=data)


def test_a_logout_token_signs_the_session_out(browser: FlaskClient, provider: FakeProvider,
                                              logged_out: list[Any]) -> None:
    complete(browser, provider, start_login(browser))
    with browser.session_transaction() as session:
        assert session[SID_KEY] == SID and session[ID_TOKEN_KEY]
    assert browser.get("/").text == "hello Alice"
    response = _post(browser, provider.logout_token())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert [c.sid for c in logged_out] == [SID]
    assert browser.get("/").text == "anonymous"
    with browser.session_transaction() as session:
        assert USER_KEY not in session and SID_KEY not in session


def test_a_token_naming_only_the_user_signs_out_their_earlier_logins(
        browser: FlaskClient, provider: FakeProvider, clock: FakeClock) -> None:
    complete(browser, provider, start_login(browser))
    clock.now += 5
    assert _post(browser, provider.logout_token(sid=None)).status_code == 200
    assert browser.get("/").text == "anonymous"


def test_another_session_or_user_is_left_alone(browser: FlaskClient, provider: FakeProvider,
                                               logged_out: list[Any]) -> None:
    """A logout for another ZoneConnect session (another browser, or a sid the platform gave
    another app) signs nobody here out."""
    complete(browser, provider, start_login(browser))
    assert _post(browser, provider.logout_token(sid="another-session")).status_code == 200
    assert _post(browser, provider.logout_token(sid=None, sub="someone-else")).status_code == 200
    assert browser.get("/").text == "hello Alice"
    assert len(logged_out) == 2


def test_forged_replayed_and_misdirected_tokens_change_nothing(
        browser: FlaskClient, provider: FakeProvider, logged_out: list[Any]) -> None:
    complete(browser, provider, start_login(browser))
    first = provider.logout_token(sid="another-session")
    assert _post(browser, first).status_code == 200
    replay = _post(browser, first)
    assert replay.status_code == 400 and "jti" in replay.get_json()["error_description"]
    none_header = _b64(json.dumps({"alg": "none"}).encode())
    payload = provider.logout_token().split(".")[1]
    for token in (None, "", f"{none_header}.{payload}.",
                  provider.logout_token(key="other", kid=provider.keys.rsa.kid),
                  provider.logout_token(aud="101000999"),  # another app's logout token
                  provider.id_token(sid=SID)):  # an id_token is not a logout token
        response = _post(browser, token)
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_request"
        assert response.headers["Cache-Control"] == "no-store"
    assert browser.get("/").text == "hello Alice"
    assert len(logged_out) == 1


def test_logout_goes_through_the_end_session_endpoint(browser: FlaskClient,
                                                      provider: FakeProvider) -> None:
    complete(browser, provider, start_login(browser))
    with browser.session_transaction() as session:
        id_token = session[ID_TOKEN_KEY]
    response = browser.get("/zoneconnect/logout")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(BASE + "/oauth2/logout?")
    assert _query(location) == {"client_id": APP_ID, "id_token_hint": id_token,
                                "post_logout_redirect_uri": "https://site.example/bye"}
    assert provider.count("POST", "/oauth2/revoke") >= 1
    assert browser.get("/").text == "anonymous"


def test_replay_cache_forgets_expired_jtis(clock: FakeClock) -> None:
    cache = MemoryReplayCache(clock=clock)
    assert cache.first_use("a", clock.now + 10) is True
    assert cache.first_use("a", clock.now + 10) is False
    clock.now += 11
    assert cache.first_use("a", clock.now + 10) is True

"""The Flask blueprint end to end against the fake provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from conftest import FakeClock
from fakes import BASE, OPENID, FakeProvider, error
from flask import Flask
from flask.testing import FlaskClient

import zoneconnect
from zoneconnect.flask import (
    PENDING_KEY,
    TOKEN_KEY,
    create_blueprint,
    current_token,
    current_user,
    safe_next,
    save_token,
)

CALLBACK = "http://localhost/zoneconnect/callback"


@pytest.fixture
def zc(provider: FakeProvider, clock: FakeClock) -> Iterator[zoneconnect.Client]:
    """A blocking client without a configured redirect_uri: the blueprint supplies it."""
    with zoneconnect.Client(app_id="101000001", app_key="0123456789ABCDEF0123456789ABCDEF",
                            base_url=BASE, _clock=clock, _sleep=clock.sleep,
                            http_client=httpx.Client(transport=provider.transport()),
                            on_token_refresh=save_token) as client:
        yield client


@pytest.fixture
def logins() -> list[tuple[dict[str, Any], zoneconnect.Token]]:
    return []


@pytest.fixture
def app(zc: zoneconnect.Client, logins: list[Any]) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", TESTING=True)
    app.register_blueprint(create_blueprint(
        lambda: zc, scopes=("openid", "get_user_info"),
        on_login=lambda user, token: logins.append((user, token))))

    @app.get("/")
    def index() -> str:
        user = current_user()
        return f"hello {user['nickname']}" if user else "anonymous"

    @app.get("/me")
    def me() -> str:
        token = current_token()
        assert token is not None
        return zc.get_user_info(token).nickname

    return app


@pytest.fixture
def browser(app: Flask) -> FlaskClient:
    return app.test_client()


def start_login(browser: FlaskClient, next_url: str = "/") -> dict[str, str]:
    response = browser.get("/zoneconnect/login", query_string={"next": next_url})
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def complete(browser: FlaskClient, provider: FakeProvider, query: dict[str, str],
             **overrides: str) -> Any:
    code = provider.issue_code(query["code_challenge"], scopes=query["scope"],
                               nonce=query.get("nonce"), redirect_uri=query["redirect_uri"])
    params = {"code": code, "state": query["state"], "iss": BASE, **overrides}
    return browser.get("/zoneconnect/callback", query_string=params)


def test_login_redirects_to_the_provider(browser: FlaskClient) -> None:
    response = browser.get("/zoneconnect/login?next=/inbox")
    location = response.headers["Location"]
    assert location.startswith(BASE + "/oauth2/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["redirect_uri"] == CALLBACK
    assert query["scope"] == "openid get_user_info"
    assert query["code_challenge_method"] == "S256" and query["nonce"]
    with browser.session_transaction() as session:
        pending = session[PENDING_KEY]
    assert pending["state"] == query["state"] and pending["next"] == "/inbox"
    assert "code_verifier" not in location


def test_callback_success(browser: FlaskClient, provider: FakeProvider, logins: list[Any]) -> None:
    response = complete(browser, provider, start_login(browser, "/inbox?tab=2"))
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?tab=2"
    with browser.session_transaction() as session:
        user, token = session["zoneconnect_user"], session[TOKEN_KEY]
        assert PENDING_KEY not in session
    assert user["openid"] == OPENID and user["nickname"] == "Alice"
    assert user["avatar"] == f"{BASE}/avatars/k/100"
    assert token["access_token"] in provider.access_tokens and "id_token" not in token
    assert browser.get("/").text == "hello Alice"
    assert logins[0][0]["openid"] == OPENID and logins[0][1].id_token


def test_callback_state_mismatch(browser: FlaskClient, provider: FakeProvider) -> None:
    response = complete(browser, provider, start_login(browser), state="forged")
    assert response.status_code == 400
    assert "state parameter does not match" in response.text
    assert browser.get("/").text == "anonymous"


def test_callback_access_denied(browser: FlaskClient) -> None:
    query = start_login(browser)
    response = browser.get("/zoneconnect/callback", query_string={
        "error": "access_denied", "state": query["state"]})
    assert response.status_code == 400
    assert "declined" in response.text and "<h1>Login cancelled</h1>" in response.text


def test_callback_other_error_is_escaped(browser: FlaskClient) -> None:
    response = browser.get("/zoneconnect/callback", query_string={
        "error": "server_error", "error_description": "<script>x</script>"})
    assert response.status_code == 400
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text


def test_callback_without_a_login_in_progress(browser: FlaskClient) -> None:
    response = browser.get("/zoneconnect/callback?code=X&state=Y")
    assert response.status_code == 400 and "expired" in response.text


def test_callback_with_a_used_code(browser: FlaskClient, provider: FakeProvider) -> None:
    query = start_login(browser)
    response = complete(browser, provider, query, code="USED")
    assert response.status_code == 400 and "invalid_grant" in response.text


def test_callback_from_another_issuer(browser: FlaskClient, provider: FakeProvider) -> None:
    response = complete(browser, provider, start_login(browser), iss="http://evil.test")
    assert response.status_code == 400 and "unexpected issuer" in response.text


def test_callback_when_the_provider_is_down(browser: FlaskClient, provider: FakeProvider) -> None:
    query = start_login(browser)
    provider.push("POST", "/oauth2/token", error(503, "unavailable"))
    assert complete(browser, provider, query).status_code == 502


@pytest.mark.parametrize("evil", ["https://evil.test/", "//evil.test", "/\\evil.test",
                                  "javascript:alert(1)", "/ok\r\nSet-Cookie: x", ""])
def test_next_must_be_a_local_path(browser: FlaskClient, provider: FakeProvider,
                                   evil: str) -> None:
    response = complete(browser, provider, start_login(browser, evil))
    assert response.headers["Location"] == "/"


def test_safe_next() -> None:
    assert safe_next("/a/b?c=d#e") == "/a/b?c=d#e"
    assert safe_next(None) == "/" and safe_next("a/b") == "/"
    assert safe_next("///evil.test") == "/" and safe_next("/\tx") == "/"


def test_logout_revokes_and_forgets(browser: FlaskClient, provider: FakeProvider) -> None:
    complete(browser, provider, start_login(browser))
    with browser.session_transaction() as session:
        access = session[TOKEN_KEY]["access_token"]
    response = browser.post("/zoneconnect/logout", data={"next": "/bye"})
    assert response.headers["Location"] == "/bye"
    assert access not in provider.access_tokens
    assert browser.get("/").text == "anonymous"


def test_refreshed_token_is_saved_in_the_session(browser: FlaskClient,
                                                 provider: FakeProvider) -> None:
    complete(browser, provider, start_login(browser))
    provider.access_tokens.clear()  # the server expired the access token
    assert browser.get("/me").text == "Alice"
    with browser.session_transaction() as session:
        assert session[TOKEN_KEY]["access_token"] in provider.access_tokens


def test_token_refreshed_during_the_callback_is_the_one_kept(browser: FlaskClient,
                                                            provider: FakeProvider) -> None:
    """A refresh inside the callback (the profile call got 401) rotates the refresh token: the
    session must keep the new pair, not the one whose refresh token is already spent."""
    provider.push("GET", "/api/v1/me", error(401, "invalid_token", "expired", ret=100014))
    response = complete(browser, provider, start_login(browser))
    assert response.status_code == 302
    with browser.session_transaction() as session:
        kept = session[TOKEN_KEY]
    assert kept["refresh_token"] in provider.refresh_tokens  # unspent


def test_login_when_the_provider_is_down(browser: FlaskClient, provider: FakeProvider) -> None:
    provider.push("GET", "/.well-known/openid-configuration",
                  *[httpx.ConnectError("refused")] * 3)
    response = browser.get("/zoneconnect/login")
    assert response.status_code == 502 and "could not be reached" in response.text

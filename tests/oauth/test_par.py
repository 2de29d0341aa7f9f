"""Pushed authorization requests (RFC 9126) at /oauth2/par and their use at /oauth2/authorize.

"The authorization server MUST validate the pushed request as it would an authorization
request" (§2.1); the request_uri is bound to the client that pushed it, short-lived and used
once (§2.2, §7.3); at the authorization endpoint only the pushed parameters count (§4).
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from gateway.extensions import db
from gateway.oauth import pushed
from gateway.oauth.models import OAuthCode, PushedRequest
from gateway.timeutil import utcnow
from tests.conftest import csrf_from
from tests.oauth.conftest import NATIVE_REDIRECT, WEB_REDIRECT, _checkboxes, pkce_pair, query_of

PAR = "/oauth2/par"
AUTHORIZE = "/oauth2/authorize"


def _basic(appid: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{appid}:{secret}".encode()).decode()
    return {"Authorization": "Basic " + raw}


def _push(client: Any, world: Any, headers: dict[str, str] | None = None,
          **params: str) -> Any:
    body = {"response_type": "code", "client_id": world.web.appid, "scope": "openid",
            "redirect_uri": WEB_REDIRECT, "state": "st", "nonce": "n-1", **params}
    body = {k: v for k, v in body.items() if v is not None}
    return client.post(PAR, data=body,
                       headers=_basic(world.web.appid, world.web_key) if headers is None
                       else headers)


def _authorize_url(world: Any, request_uri: str, **extra: str) -> str:
    return AUTHORIZE + "?" + urlencode({"client_id": world.web.appid,
                                        "request_uri": request_uri, **extra})


def _consent(client: Any, url: str) -> Any:
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), "approved_scope": ["openid"],
                                  "confirm": "yes"})


def _pushed_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(PushedRequest)) or 0


def test_push_then_authorize_then_token(world, browser, client):
    verifier, challenge = pkce_pair()
    response = _push(client, world, code_challenge=challenge, code_challenge_method="S256")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["expires_in"] == 60
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    # Stored as the digest of its random part, bound to the app, with the parameters.
    row = db.session.scalars(select(PushedRequest)).one()
    assert row.app_id == world.web.id and body["request_uri"].split(":")[-1] not in row.uri_digest
    assert row.parameters["redirect_uri"] == WEB_REDIRECT and "client_secret" not in row.parameters

    browser.login()
    callback = _consent(client, _authorize_url(world, body["request_uri"]))
    assert callback.status_code == 302
    params = query_of(callback.headers["Location"])
    assert callback.headers["Location"].startswith(WEB_REDIRECT)
    assert params["state"] == "st" and params["iss"] == "http://localhost"
    code_row = db.session.scalars(select(OAuthCode)).one()
    assert code_row.nonce == "n-1" and code_row.code_challenge == challenge

    token = client.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": params["code"],
        "redirect_uri": WEB_REDIRECT, "code_verifier": verifier},
        headers=_basic(world.web.appid, world.web_key))
    assert token.status_code == 200, token.get_json()
    assert token.get_json()["id_token"]


def test_request_uri_is_single_use(world, browser, client):
    request_uri = _push(client, world).get_json()["request_uri"]
    browser.login()
    assert "code" in query_of(_consent(client, _authorize_url(world, request_uri))
                              .headers["Location"])
    replay = client.get(_authorize_url(world, request_uri))
    assert replay.status_code == 400 and "Location" not in replay.headers
    assert "invalid_request_uri" in replay.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OAuthCode)) == 1


def test_use_is_once_even_when_two_requests_race(world, client):
    _push(client, world)
    row = db.session.scalars(select(PushedRequest)).one()
    assert pushed.use(row) is True
    assert pushed.use(row) is False


def test_expired_request_uri_is_refused(world, browser, client):
    request_uri = _push(client, world).get_json()["request_uri"]
    row = db.session.scalars(select(PushedRequest)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    browser.login()
    response = client.get(_authorize_url(world, request_uri))
    assert response.status_code == 400 and "invalid_request_uri" in response.get_data(as_text=True)


def test_an_opened_request_lasts_the_login_but_not_longer(world, browser, client):
    request_uri = _push(client, world).get_json()["request_uri"]
    first = client.get(_authorize_url(world, request_uri))  # not logged in: to the login page
    assert first.headers["Location"].startswith("/login?next=")
    row = db.session.scalars(select(PushedRequest)).one()
    db.session.refresh(row)
    assert row.opened_at is not None
    row.expires_at = utcnow() - timedelta(seconds=30)  # the 60 s passed while alice typed
    db.session.commit()
    browser.login()
    assert client.get(_authorize_url(world, request_uri)).status_code == 200  # the consent page
    row.opened_at = utcnow() - timedelta(seconds=601)
    db.session.commit()
    assert client.get(_authorize_url(world, request_uri)).status_code == 400


def test_another_clients_request_uri_is_refused(world, browser, client, factory):
    from gateway.apps.services import create_app

    other, _ = create_app(world.developer, name="Other Site", redirect_uris=[WEB_REDIRECT],
                          live=True)
    db.session.commit()
    request_uri = _push(client, world).get_json()["request_uri"]
    browser.login()
    response = client.get(AUTHORIZE + "?" + urlencode({"client_id": other.appid,
                                                       "request_uri": request_uri}))
    assert response.status_code == 400 and "Location" not in response.headers
    # Still unused: the right client can go on.
    assert client.get(_authorize_url(world, request_uri)).status_code == 200


def test_unknown_or_malformed_request_uri_is_refused(world, browser, client):
    browser.login()
    for value in ("urn:ietf:params:oauth:request_uri:nope",
                  "urn:ietf:params:oauth:request_uri:" + "x" * 500):
        response = client.get(_authorize_url(world, value))
        assert response.status_code == 400 and "Location" not in response.headers
    # A URL to fetch is a different feature, refused as before (request_uri_parameter_supported).
    url = AUTHORIZE + "?" + urlencode({"client_id": world.web.appid, "response_type": "code",
                                       "redirect_uri": WEB_REDIRECT, "state": "s",
                                       "request_uri": "https://site.example/req.jwt"})
    assert query_of(client.get(url).headers["Location"])["error"] == "request_uri_not_supported"


def test_parameters_outside_the_pushed_request_are_ignored(world, browser, client):
    """RFC 9126 §4 (with RFC 9101 §5): only the pushed parameters are used."""
    request_uri = _push(client, world).get_json()["request_uri"]
    browser.login()
    url = _authorize_url(world, request_uri, redirect_uri="https://evil.example/cb",
                         scope="openid add_share", state="forged", prompt="none")
    page = client.get(url)
    assert page.status_code == 200  # the consent page: prompt=none was not taken
    assert _checkboxes(page.get_data(as_text=True)) == ["openid"]
    callback = _consent(client, url)
    assert callback.headers["Location"].startswith(WEB_REDIRECT + "?")
    assert query_of(callback.headers["Location"])["state"] == "st"
    assert db.session.scalars(select(OAuthCode)).one().scopes == ["openid"]


def test_prompt_login_through_par_asks_once(world, browser, client):
    browser.login()
    request_uri = _push(client, world, prompt="login").get_json()["request_uri"]
    response = client.get(_authorize_url(world, request_uri))
    assert response.headers["Location"].startswith("/login?next=")
    target = query_of(response.headers["Location"])["next"]
    browser.auth.login("alice", next=target)
    assert client.get(target).status_code == 200  # the consent page, not the login page again


def test_pushing_needs_client_authentication(world, client):
    missing = _push(client, world, headers={})
    assert missing.status_code == 401 and missing.get_json()["error"] == "invalid_client"
    # HTTP Basic for one client, client_id of another in the body: refused, not resolved.
    other = _push(client, world, headers=_basic("101999999", "whatever"))
    assert other.status_code == 400 and other.get_json()["error"] == "invalid_request"
    assert _pushed_rows() == 0


def test_wrong_secret_is_refused_with_a_challenge(world, client):
    response = _push(client, world, headers=_basic(world.web.appid, "not-the-key"))
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_client_secret_post_and_mixed_methods(world, client):
    ok = _push(client, world, headers={}, client_secret=world.web_key)
    assert ok.status_code == 201
    mixed = _push(client, world, client_secret=world.web_key)
    assert mixed.status_code == 400 and mixed.get_json()["error"] == "invalid_request"


def test_public_client_pushes_with_pkce(world, client):
    _, challenge = pkce_pair()
    response = client.post(PAR, data={"response_type": "code", "client_id": world.native.appid,
                                      "redirect_uri": NATIVE_REDIRECT, "scope": "openid",
                                      "code_challenge": challenge,
                                      "code_challenge_method": "S256"})
    assert response.status_code == 201
    without_pkce = client.post(PAR, data={"response_type": "code",
                                          "client_id": world.native.appid,
                                          "redirect_uri": NATIVE_REDIRECT})
    assert without_pkce.status_code == 400
    assert without_pkce.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("params, error", [
    ({"redirect_uri": "https://evil.example/cb"}, "invalid_request"),
    ({"redirect_uri": None}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": None}, "unsupported_response_type"),
    ({"scope": "openid pay"}, "invalid_scope"),
    ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
    ({"code_challenge_method": "plain", "code_challenge": "x" * 43}, "invalid_request"),
    ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
    ({"request_uri": "urn:ietf:params:oauth:request_uri:abc"}, "invalid_request"),
    ({"prompt": "none login"}, "invalid_request"),
    ({"max_age": "soon"}, "invalid_request"),
    ({"state": "s" * 3000}, "invalid_request"),
    ({"client_id": "101999999"}, "invalid_request"),
])
def test_pushed_parameters_are_validated_as_authorize_does(world, client, params, error):
    response = _push(client, world, **params)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == error
    assert response.get_json()["error_description"]
    assert _pushed_rows() == 0


def test_repeated_or_oversized_parameters_are_refused(world, client):
    repeated = client.post(PAR, data=MultiDict([
                               ("response_type", "code"), ("scope", "openid"),
                               ("scope", "add_share"), ("client_id", world.web.appid),
                               ("redirect_uri", WEB_REDIRECT)]),
                           headers=_basic(world.web.appid, world.web_key))
    assert repeated.status_code == 400 and "scope" in repeated.get_json()["error_description"]
    many = _push(client, world, **{f"x{i}": "1" for i in range(50)})
    assert many.status_code == 400
    assert _pushed_rows() == 0


def test_require_par_refuses_plain_requests(world, browser, client):
    world.web.require_par = True
    db.session.commit()
    browser.login()
    plain = client.get(AUTHORIZE + "?" + urlencode({
        "response_type": "code", "client_id": world.web.appid, "redirect_uri": WEB_REDIRECT,
        "scope": "openid", "state": "st"}))
    params = query_of(plain.headers["Location"])
    assert params["error"] == "invalid_request" and "PAR" in params["error_description"]
    assert params["state"] == "st"
    legacy = client.get("/oauth2.0/authorize?" + urlencode({
        "response_type": "code", "client_id": world.web.appid, "redirect_uri": WEB_REDIRECT,
        "state": "st"}))
    assert legacy.status_code == 400 and "Location" not in legacy.headers
    request_uri = _push(client, world).get_json()["request_uri"]
    assert "code" in query_of(_consent(client, _authorize_url(world, request_uri))
                              .headers["Location"])


def test_authorization_request_posted_as_a_form(world, browser, client):
    """OIDC Core §3.1.2.1: the authorization endpoint takes POST; the same request as a GET."""
    browser.login()
    params = {"response_type": "code", "client_id": world.web.appid, "scope": "openid",
              "redirect_uri": WEB_REDIRECT, "state": "st"}
    response = client.post(AUTHORIZE, data=params)  # no CSRF token: an app's form
    assert response.status_code == 303
    assert query_of(response.headers["Location"]) == params
    assert client.get(response.headers["Location"]).status_code == 200  # the consent page


def test_discovery_names_the_endpoint(client):
    meta = client.get("/.well-known/openid-configuration").get_json()
    assert meta["pushed_authorization_request_endpoint"] == "http://localhost/oauth2/par"
    assert meta["require_pushed_authorization_requests"] is False
    assert meta["request_parameter_supported"] is False
    assert meta["request_uri_parameter_supported"] is False


def test_tokens_purge_deletes_dead_pushed_requests(world, client, runner):
    _push(client, world)
    _push(client, world)
    old, fresh = db.session.scalars(select(PushedRequest).order_by(PushedRequest.id)).all()
    old.created_at = utcnow() - timedelta(seconds=661)  # past ZC_PAR_TTL + ZC_PAR_FLOW_TTL
    db.session.commit()
    result = runner.invoke(args=["tokens", "purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [row.id for row in db.session.scalars(select(PushedRequest))] == [fresh.id]

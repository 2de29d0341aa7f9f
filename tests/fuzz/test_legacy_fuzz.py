"""Fuzz every QQ-compatible path with malformed requests: the documented error shapes, no 500.

Token and `/me` answer HTTP 200 with `callback( {"error":N,...} );\\n` (or the bare JSON with
fmt=json), the open API HTTP 200 with `{"ret":N,"msg":...}`, authorize a redirect or its error
page. Bounded: a fixed number of examples per path keeps the whole module to a few seconds.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings

from gateway.oauth.errors import QQ_DESCRIPTIONS
from tests.conftest import Auth
from tests.fuzz.conftest import REDIRECT, FuzzWorld
from tests.fuzz.legacy_inputs import RawRequest, raw_requests

# ZC_FUZZ_EXAMPLES=1000 for a deeper run by hand; `make test` keeps the default bound.
EXAMPLES = int(os.environ.get("ZC_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
OPEN_API_PATHS = ("/user/get_user_info", "/user/get_simple_userinfo", "/user/get_vip_info")
# Codes the open API adds to the QQ table (invalid parameter, rate limited).
OPEN_API_EXTRA = {100050, 100051}
TOKEN_FIELDS = {"access_token", "expires_in", "refresh_token", "openid"}
ME_FIELDS = {"client_id", "openid", "unionid"}


def send(client: FlaskClient, path: str, req: RawRequest) -> Any:
    """Send a raw request through the WSGI app (exceptions propagate, so a 500 fails loudly)."""
    return client.open(path, method=req.method, data=req.body, content_type=req.content_type,
                       headers=req.headers, environ_overrides=req.environ())


def check_callback_body(response: Any) -> None:
    """`callback( {...} );\\n` (text/html) or bare JSON; errors carry a QQ number and text."""
    assert response.status_code == 200, response.get_data()[:300]
    text = response.get_data().decode("utf-8")
    if text.startswith("callback( "):
        assert text.endswith(" );\n") and response.mimetype == "text/html"
        payload = json.loads(text[len("callback( "):-len(" );\n")])
    elif response.mimetype == "application/json":
        payload = json.loads(text)
    else:  # a token that happened to be redeemed: the urlencoded default shape
        assert response.mimetype == "text/html"
        assert re.fullmatch(r"access_token=[0-9A-F]{32}&expires_in=\d+&refresh_token=[0-9A-F]{32}"
                            r"(&openid=[0-9A-F]{32})?", text), text
        return
    assert isinstance(payload, dict)
    if "error" in payload:
        assert type(payload["error"]) is int
        assert payload == {"error": payload["error"],
                           "error_description": QQ_DESCRIPTIONS[payload["error"]]}
    else:
        assert set(payload) <= TOKEN_FIELDS | ME_FIELDS and payload


def check_open_api_body(response: Any) -> None:
    """HTTP 200, `text/html; charset=utf-8`, JSON with an int `ret` and a string `msg`."""
    assert response.status_code == 200, response.get_data()[:300]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    payload = json.loads(response.get_data().decode("utf-8"))
    assert type(payload["ret"]) is int and isinstance(payload["msg"], str)
    if payload["ret"] != 0:
        assert set(payload) == {"ret", "msg"}
        assert payload["ret"] in QQ_DESCRIPTIONS or payload["ret"] in OPEN_API_EXTRA
        assert payload["msg"]


def check_authorize(response: Any) -> None:
    """A redirect to the login page or the registered callback, a page, or the error page."""
    assert response.status_code in {200, 302, 400}, response.get_data()[:300]
    if response.status_code == 302:
        location = response.headers["Location"]
        assert location.startswith(("/login", REDIRECT + "?", REDIRECT + "#")), location
        return
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    if response.status_code == 400:
        assert "Error code" in html


def real_values(world: FuzzWorld) -> list[str]:
    return world.values()


@pytest.mark.parametrize("path", ["/oauth2.0/token", "/oauth2.0/me"])
def test_token_and_me_always_answer_the_callback_shape(
        client: FlaskClient, fuzz_world: FuzzWorld, path: str) -> None:
    """Malformed token and /me requests get the QQ error body, HTTP 200, never a 500."""
    @FUZZ
    @given(req=raw_requests(path, real_values(fuzz_world)))
    def run(req: RawRequest) -> None:
        check_callback_body(send(client, path, req))

    run()


@pytest.mark.parametrize("path", OPEN_API_PATHS)
def test_user_info_always_answers_ret_and_msg(
        client: FlaskClient, fuzz_world: FuzzWorld, path: str) -> None:
    """Malformed /user/* requests get `{"ret":N,"msg":...}` with HTTP 200, never a 500."""
    @FUZZ
    @given(req=raw_requests(path, real_values(fuzz_world)))
    def run(req: RawRequest) -> None:
        check_open_api_body(send(client, path, req))

    run()


def test_add_share_always_answers_ret_and_msg(client: FlaskClient,
                                              fuzz_world: FuzzWorld) -> None:
    """Malformed add_share POSTs get the ret/msg body; GET is refused with 405, never a 500."""
    path = "/share/add_share"

    @FUZZ
    @given(req=raw_requests(path, real_values(fuzz_world)))
    def run(req: RawRequest) -> None:
        response = send(client, path, req)
        if req.method == "GET":
            assert response.status_code == 405
            assert "Error code" in response.get_data(as_text=True)
        else:
            check_open_api_body(response)

    run()


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_authorize_answers_a_redirect_or_the_error_page(
        client: FlaskClient, auth: Auth, fuzz_world: FuzzWorld, logged_in: bool) -> None:
    """Malformed authorize requests: login redirect, consent, callback or error page; no 500."""
    real = real_values(fuzz_world)
    if logged_in:
        assert auth.login("fuzzuser", "password123").status_code == 302
        real = [*real, auth.csrf("/")]

    @FUZZ
    @given(req=raw_requests("/oauth2.0/authorize", real))
    def run(req: RawRequest) -> None:
        check_authorize(send(client, "/oauth2.0/authorize", req))

    run()


def test_real_values_get_past_the_checks(client: FlaskClient, fuzz_world: FuzzWorld) -> None:
    """The checks above do see successes: the fuzzer's real values are live."""
    w = fuzz_world
    query = f"access_token={w.access_token}&oauth_consumer_key={w.appid}&openid={w.openid}"
    response = send(client, "/user/get_user_info", RawRequest("GET", query.encode()))
    check_open_api_body(response)
    assert response.get_json(force=True)["ret"] == 0
    me = send(client, "/oauth2.0/me", RawRequest("GET", f"access_token={w.access_token}".encode()))
    check_callback_body(me)
    assert me.get_data(as_text=True) == (
        f'callback( {{"client_id":"{w.appid}","openid":"{w.openid}"}} );\n')


"""Inputs the fuzzers found that used to answer 500, pinned as plain tests."""

from __future__ import annotations

import base64
import json

import pytest
from flask.testing import FlaskClient

from tests.fuzz.conftest import FuzzWorld


def callback_payload(response: object) -> dict[str, object]:
    text = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 200 and text.startswith("callback( "), text  # type: ignore[attr-defined]
    return dict(json.loads(text[len("callback( "):-len(" );\n")]))


def test_raw_non_utf8_bytes_in_the_query_string(client: FlaskClient,
                                                fuzz_world: FuzzWorld) -> None:
    """A server that passes raw bytes (Latin-1 in WSGI) must not crash Werkzeug's decoding."""
    response = client.get("/oauth2.0/me", environ_overrides={
        "QUERY_STRING": b"access_token=\xff\xfe&fmt=\x80".decode("latin-1")})
    assert callback_payload(response) == {"error": 100013,
                                          "error_description": "access token is illegal"}
    ok = client.get("/oauth2.0/me", environ_overrides={
        "QUERY_STRING": f"access_token={fuzz_world.access_token}&x=\xff"})
    assert callback_payload(ok)["openid"] == fuzz_world.openid


def test_non_ascii_basic_credentials_on_the_legacy_token_endpoint(client: FlaskClient) -> None:
    """Werkzeug raises on a non-ASCII Basic header; the endpoint treats it as no credentials."""
    response = client.post("/oauth2.0/token", data={"grant_type": "authorization_code"},
                           headers={"Authorization": "Basic \xec\xff"})
    assert callback_payload(response)["error"] == 100001


def test_json_nested_too_deep_is_invalid_json(client: FlaskClient) -> None:
    """A body of 3000 '[' is a RecursionError in the json module: treated as unreadable JSON."""
    response = client.post("/oauth2.0/token", data=b"[" * 3000, content_type="application/json")
    assert callback_payload(response)["error"] == 100004
    rest = client.post("/api/v1/shares", data=b"[" * 3000, content_type="application/json",
                       headers={"Authorization": "Bearer " + "0" * 32})
    assert rest.status_code == 401


def test_share_ids_beyond_32_bits(client: FlaskClient, fuzz_world: FuzzWorld) -> None:
    """PostgreSQL refuses integers over 2**31-1: such ids mean "no bound" or "no such share"."""
    bearer = {"Authorization": f"Bearer {fuzz_world.access_token}"}
    listed = client.get("/api/v1/shares?before=99999999999", headers=bearer)
    assert listed.status_code == 200 and listed.get_json() == {"data": [], "has_more": False}
    gone = client.delete("/api/v1/shares/99999999999", headers=bearer)
    assert gone.status_code == 404 and gone.get_json()["error"] == "not_found"


def test_nul_in_a_failed_token_request_is_audited(client: FlaskClient) -> None:
    """The audit row of a failed token request keeps working when client_id carries a NUL."""
    response = client.post("/oauth2.0/token", data={"grant_type": "x\x00", "client_id": "1\x00"})
    assert callback_payload(response)["error"] == 100004


@pytest.mark.parametrize("header", [
    "Basic " + base64.b64encode(b"\xff\xfe:\x80").decode(),
    "Basic \u00e9\u00e9",
    "Bearer \u00ff\u00fe",
    "Basic not-base64!!",
])
@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/introspect", "/oauth2/revoke",
                                  "/api/v1/payments/orders", "/oauth2.0/token", "/api/v1/me"])
def test_undecodable_authorization_headers_are_a_4xx_or_the_legacy_error(client, header, path):
    """Any Authorization header, however malformed, is refused cleanly, never a 500."""
    if path == "/api/v1/me":
        response = client.get(path, headers={"Authorization": header})
    else:
        response = client.post(path, headers={"Authorization": header},
                               data={"grant_type": "client_credentials"})
    assert response.status_code < 500
    if path == "/oauth2.0/token":
        assert b'"error":' in response.data
    else:
        assert 400 <= response.status_code < 500

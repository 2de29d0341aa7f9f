"""The login throttle counts the identity the form checks, whatever the body's encoding."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Auth


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_LOGIN_LIMIT_ACCOUNT": "3 per 5 minutes",
            "ZC_LOGIN_LIMIT_ADDRESS": "50 per 5 minutes"}


def _json_login(client: FlaskClient, auth: Auth, username: str, password: str) -> Any:
    return client.post("/login", json={"username": username, "password": password},
                       headers={"X-CSRFToken": auth.csrf("/login")})


def test_json_guesses_stop_once_the_form_locked_the_account(client, auth, factory) -> None:
    factory.user("alice", "alice-password")
    for _ in range(3):
        assert auth.login("alice", "wrong-password").status_code == 401
    assert auth.login("alice", "alice-password").status_code == 429
    # The same account through a JSON body: still locked, even with the right password.
    assert _json_login(client, auth, "alice", "alice-password").status_code == 429
    assert _json_login(client, auth, "ALICE ", "wrong").status_code == 429


def test_json_failures_count_against_the_form(client, auth, factory) -> None:
    factory.user("alice", "alice-password")
    for _ in range(3):
        assert _json_login(client, auth, "alice", "wrong-password").status_code == 401
    assert auth.login("alice", "alice-password").status_code == 429


def test_multipart_failures_count_too(client, auth, factory) -> None:
    factory.user("alice", "alice-password")
    for _ in range(3):
        response = client.post("/login", data={"username": "alice", "password": "nope-nope",
                                               "csrf_token": auth.csrf()},
                               content_type="multipart/form-data")
        assert response.status_code == 401
    assert auth.login("alice", "alice-password").status_code == 429


def test_json_login_works_when_not_locked(client, auth, factory) -> None:
    factory.user("alice", "alice-password")
    assert _json_login(client, auth, "alice", "alice-password").status_code == 302


@pytest.mark.parametrize("body", [["alice"], "alice", {"username": {"$ne": ""}, "password": "x"},
                                  {"username": ["a", ["b"]], "password": "x"}, None])
def test_json_bodies_of_other_shapes_are_a_400(client, auth, factory, body: Any) -> None:
    response = client.post("/login", json=body, headers={"X-CSRFToken": auth.csrf("/login")})
    assert response.status_code == 400

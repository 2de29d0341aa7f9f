"""Login throttling per account and per address, with a message that reveals nothing."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config():
    return {"ZC_LOGIN_LIMIT_ACCOUNT": "3 per 5 minutes",
            "ZC_LOGIN_LIMIT_ADDRESS": "6 per 5 minutes"}


def test_account_is_throttled_after_failures(auth, factory):
    factory.user("alice", "alice-password")
    for _ in range(3):
        assert auth.login("alice", "wrong-password").status_code == 401
    locked = auth.login("alice", "alice-password")
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert "Too many attempts" in text and "alice" not in text.lower().replace("alice-", "")


def test_successful_logins_do_not_count(auth, factory):
    factory.user("alice", "alice-password")
    for _ in range(5):
        assert auth.login("alice", "alice-password").status_code == 302
        auth.logout()


def test_address_is_throttled_across_accounts(auth):
    for n in range(6):
        assert auth.login(f"someone{n}", "wrong-password").status_code == 401
    assert auth.login("someone-else", "wrong-password").status_code == 429


def test_throttled_unknown_and_known_accounts_look_alike(auth, factory):
    factory.user("alice", "alice-password")
    for _ in range(3):
        auth.login("alice", "wrong-password")
        auth.login("ghost", "wrong-password")
    known = auth.login("alice", "x-password")
    unknown = auth.login("ghost", "x-password")
    assert known.status_code == unknown.status_code == 429

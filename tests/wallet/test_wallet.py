"""The wallet page: balance, history, sandbox top-ups with CSRF, the nav link."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from gateway.extensions import db
from gateway.ledger.check import run_checks
from gateway.wallet.services import grant
from tests.conftest import csrf_from
from tests.money_helpers import coins


def test_wallet_shows_balance_and_history(app: Flask, client: FlaskClient, factory,
                                          auth) -> None:
    user = factory.user()
    grant(user.id, 40)
    db.session.commit()
    auth.login(user.username)
    html = client.get("/account/wallet").get_data(as_text=True)
    assert '<strong id="coin-balance">40</strong>' in html
    assert "Promotional credit of 40 coins" in html and "+40" in html
    assert "Sandbox" in html
    assert '<a href="/account/wallet">Wallet</a>' in client.get("/account/profile").get_data(
        as_text=True)


def test_sandbox_topup_credits_at_once(app: Flask, client: FlaskClient, factory, auth) -> None:
    user = factory.user()
    auth.login(user.username)
    token = csrf_from(client.get("/account/wallet").get_data(as_text=True))
    response = client.post("/account/wallet/topup", data={"csrf_token": token, "coins": "25"})
    assert response.status_code == 302
    assert coins(user.id) == 25
    assert "25 coins were added" in client.get("/account/wallet").get_data(as_text=True)
    assert run_checks() == []


def test_bad_topups_change_nothing(app: Flask, client: FlaskClient, factory, auth) -> None:
    user = factory.user()
    auth.login(user.username)
    token = csrf_from(client.get("/account/wallet").get_data(as_text=True))
    for value in ("0", "-3", "abc", "", "99999999999", "1.5"):
        response = client.post("/account/wallet/topup", data={"csrf_token": token,
                                                              "coins": value})
        assert response.status_code == 400, value
    assert client.post("/account/wallet/topup", data={"coins": "5"}).status_code == 400
    assert coins(user.id) == 0


def test_wallet_needs_login(app: Flask, client: FlaskClient) -> None:
    response = client.get("/account/wallet")
    assert response.status_code == 302 and "/login" in response.location

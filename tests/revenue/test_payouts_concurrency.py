"""Overlapping `gateway payouts run`: the second run skips cleanly, one transfer per developer."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from gateway.extensions import db
from gateway.ledger.check import run_checks
from gateway.revenue.models import ConnectedAccount, Payout
from gateway.revenue.payouts import (
    PAYOUTS_LOCK,
    PayoutsRunning,
    connect_account,
    run_payouts,
)
from tests.fakes.stripe_fake import FakeStripeServer
from tests.money_helpers import make_shop
from tests.revenue.test_stripe import _available


@pytest.fixture
def app_config(stripe_config: dict[str, Any]) -> dict[str, Any]:
    return stripe_config


def _two_developers(client: FlaskClient, auth, factory, fake: FakeStripeServer) -> list[Any]:
    shops = []
    for _ in range(2):
        shop = make_shop(factory)
        connect_account(shop.developer_id, "http://x/return", "http://x/refresh")
        db.session.commit()
        account_id = db.session.scalar(select(ConnectedAccount.stripe_account_id).where(
            ConnectedAccount.developer_id == shop.developer_id))
        fake.control(f"accounts/{account_id}/complete_onboarding")
        assert fake.flush_events()
        _available(shop, 500)
        shops.append(shop)
    fake.control("balance/add", amount=100_000, currency="cny")
    return shops


@pytest.mark.postgres_only
def test_two_overlapping_runs_transfer_once_per_developer(
        app: Flask, client: FlaskClient, factory, auth, stripe_fake: FakeStripeServer) -> None:
    shops = _two_developers(client, auth, factory, stripe_fake)
    # Slow transfers keep the first run inside its lock while the second one starts.
    stripe_fake.fail_next("/v1/transfers", mode="delay", delay=1.0, times=2)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        with app.app_context():  # its own session, like a second process
            barrier.wait()
            try:
                outcomes.append(f"paid {len(run_payouts())}")
            except PayoutsRunning:
                outcomes.append("busy")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["busy", "paid 2"]
    transfers = stripe_fake.state.all("transfer")
    assert sorted(t["destination"] for t in transfers) == sorted(
        {t["destination"] for t in transfers}) and len(transfers) == len(shops)
    db.session.expire_all()
    assert [p.status for p in db.session.query(Payout)] == ["paid", "paid"]
    assert run_checks() == []


@pytest.mark.postgres_only
def test_cli_run_while_another_holds_the_lock_exits_cleanly(
        app: Flask, client: FlaskClient, factory, auth, runner,
        stripe_fake: FakeStripeServer) -> None:
    _two_developers(client, auth, factory, stripe_fake)
    with db.engine.connect() as other:  # another `payouts run`, mid-way
        assert other.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": PAYOUTS_LOCK})
        result = runner.invoke(args=["payouts", "run"])
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PAYOUTS_LOCK})
        other.commit()
    assert result.exit_code == 0, result.output
    assert "Another `payouts run` is in progress" in result.output
    assert stripe_fake.state.all("transfer") == []
    result = runner.invoke(args=["payouts", "run"])
    assert result.exit_code == 0, result.output
    assert len(stripe_fake.state.all("transfer")) == 2


def test_run_after_run_transfers_once_per_developer(
        app: Flask, client: FlaskClient, factory, auth, runner,
        stripe_fake: FakeStripeServer) -> None:
    _two_developers(client, auth, factory, stripe_fake)
    assert runner.invoke(args=["payouts", "run"]).exit_code == 0
    assert runner.invoke(args=["payouts", "run"]).exit_code == 0
    assert len(stripe_fake.state.all("transfer")) == 2
    assert run_checks() == []

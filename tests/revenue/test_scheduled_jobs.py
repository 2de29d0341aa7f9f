"""`gateway worker`'s scheduled jobs (gateway/scheduler): each idempotent, a month settled and paid
once, a failing job tried again at the next tick, every job under a PostgreSQL advisory lock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.oauth import tokens
from gateway.oauth.models import OAuthCode
from gateway.payments.models import Order
from gateway.revenue import settlement
from gateway.revenue.models import Payout, Settlement
from gateway.scheduler import jobs
from gateway.scheduler.locks import lock_key
from gateway.scheduler.models import JobRun
from gateway.scheduler.runner import SCHEDULE, Scheduler, run_job
from gateway.wallet.services import grant
from tests.fakes.stripe_fake import FakeStripeServer
from tests.money_helpers import make_shop, pay_order
from tests.revenue.test_stripe import _onboard

JOB = {job.name: job for job in SCHEDULE}
APRIL_2 = datetime(2026, 4, 2, 3, 0)


@pytest.fixture
def app_config(stripe_config: dict[str, Any]) -> dict[str, Any]:
    return {**stripe_config, "ZC_PAYOUT_DAY": 5, "ZC_SETTLEMENT_HOLD_DAYS": 0}


def _sell(shop, amount: int, when: datetime) -> None:
    grant(shop.user_id, amount)
    order_id = pay_order(shop, amount)
    db.session.get(Order, order_id).paid_at = when
    db.session.commit()


def test_the_month_that_ended_is_settled_once(app: Flask, factory) -> None:
    shop = make_shop(factory)
    _sell(shop, 100, datetime(2026, 3, 20))
    first = run_job(JOB["settle"], APRIL_2)
    assert first == {"job": "settle", "outcome": "ok", "period": "2026-03", "items": 1}
    _sell(shop, 50, datetime(2026, 3, 31))  # a late order does not make March settle again
    assert run_job(JOB["settle"], APRIL_2 + timedelta(hours=1))["outcome"] == "idle"
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 1
    assert db.session.scalars(select(JobRun.items).where(JobRun.job == "settle")).all() == [1]
    assert run_checks() == []


def test_months_left_unsettled_by_an_outage_are_settled_oldest_first_once(app: Flask,
                                                                         factory) -> None:
    shop = make_shop(factory)
    _sell(shop, 100, datetime(2026, 1, 10))  # the worker was down all of February and March
    _sell(shop, 200, datetime(2026, 2, 27))
    _sell(shop, 300, datetime(2026, 3, 20))
    first = run_job(JOB["settle"], APRIL_2)
    assert first == {"job": "settle", "outcome": "ok", "period": "2026-03", "items": 1}
    settled = db.session.execute(select(Settlement.month, Settlement.gross, Settlement.id)
                                 .order_by(Settlement.id)).all()
    unit = ledger.coin_minor_units()
    assert [(m, g) for m, g, _ in settled] == [("2026-01", 100 * unit), ("2026-02", 200 * unit),
                                               ("2026-03", 300 * unit)]
    runs = db.session.execute(select(JobRun.period, JobRun.items).where(JobRun.job == "settle")
                              .order_by(JobRun.period)).all()
    assert [tuple(r) for r in runs] == [("2026-01", 1), ("2026-02", 1), ("2026-03", 1)]
    pending = ledger.balance(ledger.developer(shop.developer_id, "pending"))
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 0
    assert run_job(JOB["settle"], APRIL_2)["outcome"] == "idle"  # the second run moves nothing
    assert run_job(JOB["settle"], APRIL_2 + timedelta(days=1))["outcome"] == "idle"
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 3
    assert ledger.balance(ledger.developer(shop.developer_id, "pending")) == pending > 0
    assert run_checks() == []


def test_a_month_settled_by_the_operator_is_not_settled_again(app: Flask, factory,
                                                              runner) -> None:
    shop = make_shop(factory)
    _sell(shop, 100, datetime(2026, 2, 10))
    result = runner.invoke(args=["revenue", "settle", "--month", "2026-02"])
    assert result.exit_code == 0, result.output
    _sell(shop, 50, datetime(2026, 2, 28))  # late: February stays settled once for this app
    assert run_job(JOB["settle"], APRIL_2)["outcome"] == "ok"
    assert db.session.scalars(select(Settlement.month)).all() == ["2026-02"]
    assert db.session.scalars(select(JobRun.period).order_by(JobRun.period)).all() == [
        "2026-02", "2026-03"]
    assert run_checks() == []


def test_a_failing_job_is_tried_again_at_the_next_tick(app: Flask, factory, monkeypatch) -> None:
    shop = make_shop(factory)
    _sell(shop, 100, datetime(2026, 3, 20))
    real = settlement.settle_month

    def broken(month: str, now: datetime | None = None) -> list[Settlement]:
        real(month, now)  # the work is done, then the job fails: all of it is rolled back
        raise RuntimeError("database went away")

    monkeypatch.setattr(settlement, "settle_month", broken)
    assert run_job(JOB["settle"], APRIL_2)["outcome"] == "failed"
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 0
    assert not jobs.done("settle", "2026-03")
    monkeypatch.setattr(settlement, "settle_month", real)
    assert run_job(JOB["settle"], APRIL_2)["items"] == 1
    share = db.session.scalars(select(Settlement.developer_share)).one()
    assert ledger.balance(ledger.developer(shop.developer_id, "pending")) == share > 0


def test_holds_are_released_by_the_worker(app: Flask, factory) -> None:
    shop = make_shop(factory)
    _sell(shop, 100, datetime(2026, 3, 20))
    run_job(JOB["settle"], APRIL_2)
    assert run_job(JOB["release"])["items"] == 1
    assert run_job(JOB["release"])["items"] == 0
    assert ledger.balance(ledger.developer(shop.developer_id, "available")) > 0


def test_payouts_run_once_from_the_payout_day(app: Flask, client: FlaskClient, factory, auth,
                                              stripe_fake: FakeStripeServer) -> None:
    shop = make_shop(factory)
    _onboard(client, auth, shop, stripe_fake)
    stripe_fake.control("balance/add", amount=100_000, currency="cny")
    _sell(shop, 500, datetime(2026, 3, 20))
    assert run_job(JOB["payouts"], APRIL_2)["outcome"] == "idle"  # March is not settled yet
    run_job(JOB["settle"], APRIL_2)
    run_job(JOB["release"], APRIL_2)
    assert run_job(JOB["payouts"], APRIL_2)["outcome"] == "idle"  # before the 5th
    paid = run_job(JOB["payouts"], datetime(2026, 4, 5, 1))
    assert paid == {"job": "payouts", "outcome": "ok", "period": "2026-04", "items": 1}
    _sell(shop, 300, datetime(2026, 4, 5, 2))  # earned after the run: paid next month, not now
    assert run_job(JOB["payouts"], datetime(2026, 4, 6))["outcome"] == "idle"
    march = db.session.scalars(select(Settlement.developer_share)).one()
    payouts = db.session.scalars(select(Payout)).all()
    assert [(p.amount, p.status) for p in payouts] == [(march, "paid")]
    assert run_checks() == []


def test_purge_and_usage_flush_count_what_they_did(app: Flask, factory) -> None:
    shop = make_shop(factory)
    tokens.issue_code(shop.app, shop.user_id, redirect_uri="https://shop.example/cb", scopes=[])
    db.session.scalars(select(OAuthCode)).one().expires_at = datetime(2026, 1, 1)
    db.session.commit()
    assert run_job(JOB["purge"])["items"] == 1
    assert db.session.scalar(select(func.count()).select_from(OAuthCode)) == 0
    assert run_job(JOB["usage_flush"])["outcome"] == "ok"


def test_each_job_waits_its_interval(app: Flask) -> None:
    now = [0.0]
    scheduler = Scheduler(clock=lambda: now[0])
    assert {r["job"] for r in scheduler.tick()} == set(JOB)
    now[0] += 61
    ran = {r["job"] for r in scheduler.tick()}
    assert {"settle", "release", "payouts", "usage_flush"} <= ran
    assert "purge" not in ran  # hourly
    assert ran == {job.name for job in SCHEDULE if app.config[job.interval_setting] <= 61}


def test_worker_once_prints_every_job(app: Flask, runner) -> None:
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    jobs_run = json.loads(result.output)["jobs"]
    assert [j["job"] for j in jobs_run] == [job.name for job in SCHEDULE]
    assert {j["outcome"] for j in jobs_run} <= {"ok", "idle"}


@pytest.mark.postgres_only
def test_a_job_another_worker_holds_is_skipped(app: Flask, factory) -> None:
    shop = make_shop(factory)
    _sell(shop, 100, datetime(2026, 3, 20))
    with db.engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key("settle")})
        assert run_job(JOB["settle"], APRIL_2)["outcome"] == "busy"
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key("settle")})
        other.commit()
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 0
    assert run_job(JOB["settle"], APRIL_2)["outcome"] == "ok"

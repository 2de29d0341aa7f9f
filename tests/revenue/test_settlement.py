"""Tiers applied marginally, settlement once per (app, month), hold, refunds after settlement."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.payments import services as payments
from gateway.payments.models import Order
from gateway.revenue.models import Settlement
from gateway.revenue.settlement import release_due, settle_month
from gateway.revenue.tiers import DEFAULT_BANDS, save_schedule, split
from gateway.timeutil import utcnow
from gateway.wallet.services import grant
from tests.money_helpers import coins, make_shop, pay_order


def _sell(shop, amounts: list[int], when: datetime) -> list[str]:
    ids = []
    for amount in amounts:
        grant(shop.user_id, amount)
        order_id = pay_order(shop, amount)
        db.session.get(Order, order_id).paid_at = when
        ids.append(order_id)
    db.session.commit()
    return ids


def test_default_tiers_split_two_million_yuan() -> None:
    shares = split(200_000_000, list(DEFAULT_BANDS))
    assert (shares.developer, shares.platform) == (123_000_000, 77_000_000)


@given(st.integers(min_value=0, max_value=10**13))
def test_shares_always_add_up(gross: int) -> None:
    shares = split(gross, list(DEFAULT_BANDS))
    assert shares.developer + shares.platform == gross
    assert 0 <= shares.platform <= gross


def test_tie_rounds_the_platform_down() -> None:
    # 1 fen at 50%: the platform's exact share is 0.5 fen; a tie goes down, to 0.
    assert split(1, [(0, 5_000)]).platform == 0
    assert split(3, [(0, 5_000)]).platform == 1  # 1.5 -> 1
    assert split(1, [(0, 4_999)]).platform == 1  # 0.5001 -> 1


def test_no_extra_yuan_lowers_earnings() -> None:
    bands = list(DEFAULT_BANDS)
    previous = -1
    for gross in range(99_999_000, 100_001_000, 7):
        developer = split(gross, bands).developer
        assert developer >= previous
        previous = developer


def test_a_month_of_two_million_settles_1_23_million(app: Flask, factory, runner) -> None:
    shop = make_shop(factory)
    _sell(shop, [1_000_000] * 20, datetime(2026, 3, 15))  # 20M coins = 200,000,000 fen
    result = runner.invoke(args=["revenue", "settle", "--month", "2026-03"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert ledger.balance(ledger.developer(shop.developer_id, "pending")) == 123_000_000
    assert ledger.balance(ledger.platform("revenue")) == 77_000_000
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 0
    again = runner.invoke(args=["revenue", "settle", "--month", "2026-03"])
    assert again.exit_code == 0 and '"settled": []' in again.output
    db.session.expire_all()
    assert ledger.balance(ledger.developer(shop.developer_id, "pending")) == 123_000_000
    assert db.session.query(Settlement).count() == 1
    assert run_checks() == []


def test_months_are_settled_separately(app: Flask, factory) -> None:
    shop = make_shop(factory)
    _sell(shop, [100], datetime(2026, 3, 31, 23, 59))
    _sell(shop, [50], datetime(2026, 4, 1))
    [march] = settle_month("2026-03")
    assert march.gross == 1000
    db.session.commit()
    assert ledger.balance(ledger.developer(shop.developer_id, "unsettled")) == 500


@pytest.mark.parametrize("month", ["2026-13", "26-03", "2026-3", "", "2999-01"])
def test_bad_or_unfinished_months_are_refused(app: Flask, runner, month: str) -> None:
    result = runner.invoke(args=["revenue", "settle", "--month", month])
    assert result.exit_code == 1


def test_pending_becomes_available_after_the_hold(app: Flask, factory) -> None:
    shop = make_shop(factory)
    _sell(shop, [100], datetime(2026, 3, 2))
    settle_month("2026-03")
    db.session.commit()
    assert release_due() == []
    assert release_due(utcnow() + timedelta(days=31))
    db.session.commit()
    assert ledger.balance(ledger.developer(shop.developer_id, "pending")) == 0
    assert ledger.balance(ledger.developer(shop.developer_id, "available")) == 1000
    assert run_checks() == []


def test_refund_while_held_takes_back_from_pending(app: Flask, factory) -> None:
    shop = make_shop(factory)
    [keep, back] = _sell(shop, [100, 100], datetime(2026, 3, 2))
    settle_month("2026-03")
    db.session.commit()
    payments.refund(back)
    db.session.commit()
    assert coins(shop.user_id) == 100
    assert ledger.balance(ledger.developer(shop.developer_id, "pending")) == 1000
    release_due(utcnow() + timedelta(days=31))
    db.session.commit()
    assert ledger.balance(ledger.developer(shop.developer_id, "available")) == 1000
    assert run_checks() == []
    del keep


def test_new_schedule_applies_from_its_date(app: Flask, factory) -> None:
    save_schedule(date(2026, 3, 1), [(0, 8_000)])
    db.session.commit()
    shop = make_shop(factory)
    _sell(shop, [100], datetime(2026, 3, 2))
    _sell(shop, [100], datetime(2026, 2, 2))
    [feb] = settle_month("2026-02")
    [mar] = settle_month("2026-03")
    assert (feb.developer_share, mar.developer_share) == (1000, 800)

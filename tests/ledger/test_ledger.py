"""The ledger: balanced, append-only, idempotent postings; no overdraft; `ledger check`."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import update

from gateway.extensions import db
from gateway.ledger import services as ledger
from gateway.ledger.check import run_checks
from gateway.ledger.errors import InsufficientFunds, UnbalancedTransaction
from gateway.ledger.models import LedgerAccount, LedgerLeg, LedgerTransaction
from gateway.wallet.services import grant


def test_grant_posts_balanced_legs_and_balances(app: Flask, factory) -> None:
    user = factory.user()
    txn = grant(user.id, 50)
    db.session.commit()
    sums: dict[str, int] = {}
    for leg in txn.legs:
        sums[leg.currency] = sums.get(leg.currency, 0) + leg.amount
    assert sums == {"ZCC": 0, "CNY": 0}
    assert ledger.coin_balance(user.id) == 50
    assert ledger.balance(ledger.platform("fees")) == 500  # 50 coins x 10 fen
    assert ledger.balance(ledger.platform("clearing")) == 500
    assert ledger.balance(ledger.platform("clearing", "ZCC")) == 50
    assert run_checks() == []


def test_same_key_twice_posts_once(app: Flask, factory) -> None:
    user = factory.user()
    first = grant(user.id, 5, key="promo-1")
    second = grant(user.id, 5, key="promo-1")
    db.session.commit()
    assert first.id == second.id
    assert ledger.coin_balance(user.id) == 5
    assert db.session.query(LedgerTransaction).count() == 1


def test_unbalanced_posting_is_refused(app: Flask, factory) -> None:
    user = factory.user()
    with pytest.raises(UnbalancedTransaction):
        ledger.post("bad", "test", [(ledger.user_coins(user.id), 3),
                                    (ledger.platform("clearing", "ZCC"), -2)])
    db.session.rollback()
    assert db.session.query(LedgerLeg).count() == 0


def test_coins_never_go_negative(app: Flask, factory) -> None:
    user = factory.user()
    grant(user.id, 3)
    db.session.commit()
    legs = [(ledger.user_coins(user.id), -4), (ledger.platform("clearing", "ZCC"), 4)]
    with pytest.raises(InsufficientFunds):
        ledger.post("spend", "test", legs)
    db.session.rollback()
    assert ledger.coin_balance(user.id) == 3
    assert ledger.find("spend") is None


def test_reversal_is_a_new_linked_transaction(app: Flask, factory) -> None:
    user = factory.user()
    original = grant(user.id, 7)
    reversal = ledger.reverse(original, "undo-1")
    db.session.commit()
    assert reversal.id != original.id and reversal.reverses_id == original.id
    assert ledger.coin_balance(user.id) == 0
    assert sorted(leg.amount for leg in reversal.legs) == sorted(
        -leg.amount for leg in original.legs)
    assert run_checks() == []


def test_check_command_passes_on_a_sound_ledger(app: Flask, factory, runner) -> None:
    user = factory.user()
    grant(user.id, 9)
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output


def test_check_command_reports_a_tampered_balance(app: Flask, factory, runner) -> None:
    user = factory.user()
    grant(user.id, 9)
    db.session.execute(update(LedgerAccount).where(LedgerAccount.kind == "coins")
                       .values(balance=1000))
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert "stores 1000 but its legs add up to 9" in result.output


def test_check_reports_an_unbalanced_transaction_and_negative_balance(app: Flask,
                                                                     factory) -> None:
    user = factory.user()
    grant(user.id, 2)
    db.session.commit()
    coins = ledger.user_coins(user.id)
    txn = LedgerTransaction(idempotency_key="forged", kind="forged")
    db.session.add(txn)
    db.session.flush()
    db.session.add(LedgerLeg(transaction_id=txn.id, account_id=coins.id, amount=-5,
                             currency="ZCC"))
    db.session.execute(update(LedgerAccount).where(LedgerAccount.id == coins.id)
                       .values(balance=-3))
    db.session.commit()
    problems = "\n".join(run_checks())
    assert f"transaction {txn.id} does not sum to zero in ZCC" in problems
    assert "is negative: -3" in problems


def test_coins_grant_command(app: Flask, factory, runner) -> None:
    user = factory.user("carol")
    result = runner.invoke(args=["coins", "grant", "--username", "carol", "--amount", "25"])
    assert result.exit_code == 0, result.output
    assert '"balance": 25' in result.output
    assert ledger.coin_balance(user.id) == 25
    bad = runner.invoke(args=["coins", "grant", "--username", "carol", "--amount", "0"])
    assert bad.exit_code == 1
    assert runner.invoke(args=["coins", "grant", "--username", "nobody", "--amount", "1"]
                         ).exit_code == 1

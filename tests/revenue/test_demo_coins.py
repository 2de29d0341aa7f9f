"""`gateway demo` grants alice her demo coins exactly once."""

from __future__ import annotations

from flask import Flask

from gateway.accounts.services import find_by_username
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.ledger.check import run_checks
from gateway.ledger.models import LedgerTransaction
from tests.money_helpers import coins


def test_demo_grants_alice_coins_once(app: Flask, runner) -> None:
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    alice = find_by_username("alice")
    assert alice is not None
    assert coins(alice.id) == 500
    grants = db.session.query(LedgerTransaction).filter_by(
        idempotency_key="demo:alice-coins").all()
    assert len(grants) == 1 and grants[0].kind == "grant"
    assert db.session.query(AuditEvent).filter_by(action="coins.granted").count() == 1
    assert run_checks() == []

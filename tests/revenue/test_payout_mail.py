"""A payout that Stripe accepted is mailed to its developer (after the run commits); a developer
who turned payout mail off gets none, and a refused transfer mails nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select

from gateway.accounts.models import User
from gateway.extensions import db
from gateway.money import format_money
from gateway.notifications.services import set_topic
from gateway.revenue.models import Payout
from tests.fakes.stripe_fake import FakeStripeServer
from tests.revenue.test_payouts_concurrency import _two_developers

PUBLIC = "https://id.example.com"


@pytest.fixture
def app_config(stripe_config: dict[str, Any], smtp_server: Any) -> dict[str, Any]:
    return {**stripe_config, "ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": PUBLIC}


def test_a_sent_payout_is_mailed_to_its_developer_unless_turned_off(
        app: Flask, client: FlaskClient, factory, auth, runner, smtp_server, send_mail,
        stripe_fake: FakeStripeServer) -> None:
    first, second = _two_developers(client, auth, factory, stripe_fake)
    quiet = db.session.get(User, second.developer_id)
    set_topic(quiet, "payouts", False, via="preferences")
    db.session.commit()
    addresses = {first.developer_id: db.session.get(User, first.developer_id).email,
                 second.developer_id: quiet.email}
    assert runner.invoke(args=["payouts", "run"]).exit_code == 0
    assert smtp_server.received == []  # nothing on the run's path: the worker sends it
    send_mail()
    payout = db.session.scalar(select(Payout).where(Payout.developer_id == first.developer_id))
    assert payout.status == "paid"
    [mail] = [r for r in smtp_server.received if r.message["X-ZoneConnect-Mail"] == "payout_sent"]
    assert mail.rcpt_tos == [addresses[first.developer_id]]
    assert mail.message["Subject"] == "Payout sent"
    with force_locale("en"):  # the amount in the reader's words, not "5000 minor units"
        amount = format_money(payout.amount, payout.currency)
    assert f"We sent you a payout of {amount}." in mail.text and "50.00" in amount
    assert f"Payout number: {payout.id}" in mail.text
    assert mail.link("/developer/revenue") == f"{PUBLIC}/developer/revenue/payouts"
    assert str(mail.message["List-Unsubscribe"]).strip().startswith(f"<{PUBLIC}/unsubscribe/")
    assert smtp_server.to(addresses[second.developer_id]) == []
    # (the buyers' receipts for the orders that made the balances came too)
    assert {r.message["X-ZoneConnect-Mail"] for r in smtp_server.received} == {
        "payout_sent", "order_receipt"}

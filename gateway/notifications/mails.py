"""The notifications other domains send: receipts to users, payouts to developers (the
review decisions are mailed from gateway/developers/review.py). Each queues in the caller's
transaction, so a rolled-back payment or payout mails nothing."""

from __future__ import annotations

from datetime import datetime

from gateway.accounts.models import User
from gateway.extensions import db
from gateway.i18n import _l
from gateway.mail.services import public_url
from gateway.notifications.services import notify


def topup_receipt(user_id: int, coins: int, price: int, currency: str, reference: str,
                  paid_at: datetime) -> None:
    """A receipt for coins bought (`price` in minor units of `currency`)."""
    notify(db.session.get(User, user_id), "receipts", "topup_receipt",
           _l("Receipt: %(coins)s coins", coins=coins), coins=coins, price_minor=price,
           currency=currency, reference=reference, paid_at=paid_at,
           wallet_url=public_url("wallet.wallet"))


def order_receipt(user_id: int, *, app_name: str, item_name: str, coins: int, order_id: str,
                  paid_at: datetime | None) -> None:
    """A receipt for an order paid with coins in an app."""
    notify(db.session.get(User, user_id), "receipts", "order_receipt",
           _l("Receipt: %(item)s in %(app)s", item=item_name, app=app_name),
           app_name=app_name, item_name=item_name, coins=coins, order_id=order_id,
           paid_at=paid_at, wallet_url=public_url("wallet.wallet"))


def payout_sent(developer_id: int, payout_id: int, amount: int, currency: str,
                sent_at: datetime | None) -> None:
    """Tell a developer a payout left for their bank account."""
    notify(db.session.get(User, developer_id), "payouts", "payout_sent",
           _l("Payout sent"), payout_id=payout_id, amount_minor=amount, currency=currency,
           sent_at=sent_at, payouts_url=public_url("developer_revenue.payouts"))

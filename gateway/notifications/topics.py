"""The topics of mail a person may turn off (a topic a mail belongs to is named when it is sent)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString

from gateway.i18n import _l


@dataclass(frozen=True)
class Topic:
    label: LazyString
    description: LazyString
    developers: bool  # shown only to accounts with a developer profile


TOPICS: dict[str, Topic] = {
    "receipts": Topic(_l("Receipts"),
                      _l("A receipt for every top-up of coins and every paid order."), False),
    "app_reviews": Topic(_l("App reviews"),
                         _l("When an app or a permission request is approved or rejected."),
                         True),
    "app_suspensions": Topic(_l("App suspensions"),
                             _l("When operators suspend one of your apps."), True),
    "payouts": Topic(_l("Payouts"), _l("When a payout is sent to your bank account."), True),
    "webhook_failures": Topic(
        _l("Webhook failures"),
        _l("When deliveries to one of your webhook endpoints have failed for an hour, and when "
           "an endpoint is disabled after days of failures."), True),
}

"""Registers the money domains' pages and APIs: wallet, payments, revenue, Stripe webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the wallet, the orders API and confirmation page, and the Stripe webhooks."""
    from gateway.payments import views as payments
    from gateway.revenue.webhooks import bp as stripe_webhooks
    from gateway.wallet import views as wallet

    wallet.init_app(app)
    payments.init_app(app)
    app.register_blueprint(stripe_webhooks)

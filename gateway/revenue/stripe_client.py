"""The one way the platform talks to Stripe: a configured `stripe.StripeClient`."""

from __future__ import annotations

import stripe
from flask import current_app

from gateway.wallet.errors import ProviderUnavailable


def client() -> stripe.StripeClient:
    """A client with the pinned API version, network retries and STRIPE_API_BASE if set."""
    key = current_app.config.get("STRIPE_API_KEY")
    if not key:
        raise ProviderUnavailable("Stripe is not configured (STRIPE_API_KEY).")
    base = current_app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        str(key), stripe_version=str(current_app.config["STRIPE_API_VERSION"]),
        base_addresses={"api": str(base)} if base else None,
        max_network_retries=int(current_app.config.get("STRIPE_MAX_NETWORK_RETRIES", 2)))


def currency_code() -> str:
    """ZC_CURRENCY as Stripe writes it (lower case)."""
    return str(current_app.config.get("ZC_CURRENCY") or "CNY").lower()

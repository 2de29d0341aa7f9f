"""Top-ups through Stripe: a Checkout Session on the platform account, credited by webhook.

The session's PaymentIntent carries the user and coin count in its metadata; only the signed
`payment_intent.succeeded` event credits the coins (once per PaymentIntent id).
"""

from __future__ import annotations

import secrets

from gateway.ledger.services import coin_minor_units
from gateway.revenue.stripe_client import client, currency_code


def create_topup_session(user_id: int, coins: int, success_url: str,
                         cancel_url: str) -> tuple[str, str]:
    """Create the Checkout Session for `coins` coins; returns its id and hosted page URL."""
    metadata = {"zc_user_id": str(user_id), "zc_coins": str(coins), "zc_purpose": "topup"}
    session = client().v1.checkout.sessions.create(
        params={"mode": "payment", "success_url": success_url, "cancel_url": cancel_url,
                "client_reference_id": str(user_id), "metadata": metadata,
                "payment_intent_data": {"metadata": metadata},
                "line_items": [{"quantity": 1, "price_data": {
                    "currency": currency_code(), "unit_amount": coins * coin_minor_units(),
                    "product_data": {"name": f"{coins} ZoneConnect coins"}}}]},
        options={"idempotency_key": "topup-" + secrets.token_hex(16)})
    return session.id, str(session.url)

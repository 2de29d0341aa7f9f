"""Revenue sharing: tiers, monthly settlement, payouts through Stripe Connect, Stripe webhooks."""

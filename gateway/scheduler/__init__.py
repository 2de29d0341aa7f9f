"""Scheduled jobs of `gateway worker`: settlement, payouts, hold releases, purge, usage flush."""

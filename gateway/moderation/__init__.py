"""Operators' holds on accounts: deactivation and bans, reinstatement, account look-ups."""

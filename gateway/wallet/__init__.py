"""Coins: the user's wallet, top-ups through a payment provider, promotional grants."""

"""Pairwise identifiers: openid per (user, app), unionid per (user, developer)."""

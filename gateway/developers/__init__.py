"""Developers: their profile, app icons, and personal API keys for the management API."""

"""The OAuth 2.0 / OpenID Connect provider: QQ-compatible paths and standard endpoints."""

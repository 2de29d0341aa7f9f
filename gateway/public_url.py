"""The platform's public URLs: from configuration, never from the request's Host header in
production (a forged Host would otherwise set the issuer, discovery, confirm_urls, avatar URLs
and the device verification_uri).

`ZC_PUBLIC_URL` (alias: the older `ZC_BASE_URL`) is where people and apps reach the platform;
`ZC_ISSUER` is the OpenID Connect issuer, by default the public URL. Production refuses to start
without them (gateway/security/settings.py); development and tests fall back to the request's
host so `make run` needs no configuration.

Low level: imports no domain.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request


def public_url() -> str:
    """The public base URL, without a trailing slash ("" outside a request when unset)."""
    config = current_app.config
    configured = config.get("ZC_PUBLIC_URL") or config.get("ZC_BASE_URL")  # the former name
    if configured:
        return str(configured).rstrip("/")
    return request.host_url.rstrip("/") if has_request_context() else ""


def issuer() -> str:
    """The OIDC issuer: ZC_ISSUER, else the public URL."""
    configured = current_app.config.get("ZC_ISSUER")
    return str(configured).rstrip("/") if configured else public_url()


def external(path: str) -> str:
    """An absolute URL for a path of the platform (url_for(...) without _external)."""
    return public_url() + path

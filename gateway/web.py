"""Per-request plumbing: request ids and the security headers every response carries."""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, current_app, g, request

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else secrets.token_hex(8)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Request-ID"] = g.get("request_id", "")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["ZC_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Hook request ids and security headers into every request."""
    app.before_request(_assign_request_id)
    app.after_request(_security_headers)

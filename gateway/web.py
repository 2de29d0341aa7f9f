"""Per-request plumbing: request ids and the security headers every response carries."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else secrets.token_hex(8)


_DEFAULT_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Request-ID"] = g.get("request_id", "")
    # One pass over the names already set, then one extend: Headers.setdefault scans the list
    # once per call, which cost more than the rest of a /healthz answer's hooks.
    present = {name.lower() for name, _value in headers.items()}
    defaults = list(_DEFAULT_HEADERS)
    if current_app.config["ZC_ENV"] == "production":
        defaults.append(_HSTS)
    headers.extend([(name, value) for name, value in defaults if name.lower() not in present])
    if "cache-control" not in present:
        # Pages and answers carry credentials (appkeys, tokens, CSRF tokens) and personal data
        # (profiles, balances, orders): nothing is stored by a browser or a shared cache unless
        # its view says so (discovery and JWKS: public_metadata; avatars; static files).
        headers["Cache-Control"] = "no-store"
    return response


PUBLIC_METADATA_MAX_AGE = 300


def public_metadata(response: Response) -> Response:
    """Mark a public document (discovery, JWKS) cacheable for a short while: keys rotate and
    endpoints change, so clients re-read it within minutes."""
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_METADATA_MAX_AGE}"
    return response


def _retry_after_only_when_refused(response: Response) -> Response:
    """Flask-Limiter stamps Retry-After on every limited response; it means "come back later"."""
    if response.status_code not in {429, 503}:
        response.headers.pop("Retry-After", None)
    return response


def _decodable_authorization(value: str) -> bool:
    """Whether an Authorization header is ASCII and, if Basic, carries UTF-8 credentials."""
    if not value.isascii():
        return False
    scheme, _, param = value.partition(" ")
    if scheme.lower() != "basic":
        return True
    try:
        base64.b64decode(param.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return True


def _sane_wsgi_input(wsgi_app: WSGIApplication) -> WSGIApplication:
    """Werkzeug and Authlib decode strictly and would answer a 500 to raw non-UTF-8 query bytes
    or undecodable Basic credentials: percent-encode the former, drop the latter (the request is
    then simply unauthenticated, a clean 401)."""
    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raw = environ.get("QUERY_STRING", "")
        if not raw.isascii():
            data = raw.encode("latin-1", "replace")
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                environ["QUERY_STRING"] = "".join(
                    chr(b) if b < 0x80 else f"%{b:02X}" for b in data)
        auth = environ.get("HTTP_AUTHORIZATION")
        if auth is not None and not _decodable_authorization(auth):
            del environ["HTTP_AUTHORIZATION"]
        return wsgi_app(environ, start_response)
    return middleware


def _depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (iteratively: no recursion on hostile input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1)
                         for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class _JSONProvider(DefaultJSONProvider):
    """Flask's JSON with the platform's limits, for every body it parses (`get_json`, the
    idempotency digest, the legacy endpoints' untyped bodies): more than ZC_JSON_MAX_BYTES is a
    413; nesting deeper than ZC_JSON_MAX_DEPTH (or too deep for the parser) is invalid JSON, a
    ValueError that `get_json(silent=True)` and the 400 handling expect, never a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # The provider's own app, not current_app: a test client's response is read outside any
        # app context (in threads, say), and the limits are this app's whatever the context.
        config = self._app.config
        if len(s) > int(config.get("ZC_JSON_MAX_BYTES", 1 << 20)):
            raise RequestEntityTooLarge()
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc
        if _depth(value) > int(config.get("ZC_JSON_MAX_DEPTH", 32)):
            raise ValueError("JSON nested too deeply")
        return value


def init_app(app: Flask) -> None:
    """Hook request ids and security headers into every request."""
    app.json = _JSONProvider(app)
    app.before_request(_assign_request_id)
    app.after_request(_security_headers)
    # First in the list, so it runs last: after Flask-Limiter's own after_request hook.
    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_only_when_refused)
    app.wsgi_app = _sane_wsgi_input(app.wsgi_app)  # type: ignore[method-assign]

"""Per-request plumbing: request ids and the security headers every response carries."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


REQUEST_ID = "zc.request_id"  # environ keys set by the per-request middleware below
STARTED = "zc.started"


def _assign_request_id() -> None:
    g.request_id = request.environ.get(REQUEST_ID) or secrets.token_hex(8)


def started_at() -> float | None:
    """When the middleware received this request (time.perf_counter())."""
    value = request.environ.get(STARTED)
    return float(value) if value is not None else None


_DEFAULT_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    # Pages and answers carry credentials (appkeys, tokens, CSRF tokens) and personal data
    # (profiles, balances, orders): nothing is stored by a browser or a shared cache unless
    # its view says so (discovery and JWKS: public_metadata; avatars; static files).
    ("Cache-Control", "no-store"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _with_security_headers(headers: list[tuple[str, str]], request_id: str,
                           defaults: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The response's headers with its request id and every default it did not set itself."""
    present = {name.lower() for name, _value in headers}
    kept = [item for item in headers if item[0].lower() != "x-request-id"]
    kept.append(("X-Request-ID", request_id))
    kept.extend(item for item in defaults if item[0].lower() not in present)
    return kept


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


def _per_request(wsgi_app: WSGIApplication, production: bool) -> WSGIApplication:
    """What every request costs before and after Flask, on the raw WSGI environ and header
    list (no Flask hook, no werkzeug Headers object): its start time and request id, input
    Werkzeug and Authlib would choke on made safe, and the security headers added.

    Werkzeug and Authlib decode strictly and would answer a 500 to raw non-UTF-8 query bytes or
    undecodable Basic credentials: the former are percent-encoded, the latter dropped (the
    request is then simply unauthenticated, a clean 401)."""
    defaults = _DEFAULT_HEADERS + ((_HSTS,) if production else ())

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[STARTED] = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else secrets.token_hex(8)
        environ[REQUEST_ID] = request_id
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

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, _with_security_headers(headers, request_id, defaults),
                                  exc_info)

        return wsgi_app(environ, start)
    return middleware


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building a signing serializer for a request that
    sends no session cookie (most API and token calls): an empty session, as Flask would give."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.cookies.get(self.get_cookie_name(app)) is None and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


class PlatformFlask(Flask):
    """Flask, with the per-request costs that grew with the app's hooks trimmed."""

    session_interface = _SessionInterface()
    _SYNC_CACHE_LIMIT = 4096  # views, hooks and handlers: a fixed set

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's, remembered per function: Flask asks for every hook, view and handler of
        every request, and each answer inspects the function's code flags anew."""
        try:
            return self._sync[func]
        except KeyError:
            pass
        except TypeError:  # unhashable: ask Flask every time
            return super().ensure_sync(func)
        wrapped = super().ensure_sync(func)
        # Closures (after_this_request's, say) are made per request and would keep its objects.
        if getattr(func, "__closure__", None) is None and len(self._sync) < self._SYNC_CACHE_LIMIT:
            self._sync[func] = wrapped
        return wrapped


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


class NameConverter(BaseConverter):
    """`<name:...>`: a path segment that can be a user name or a key: no NUL or other control
    character (PostgreSQL refuses NUL in text), so such a URL matches no route and is a 404
    before any query is made."""

    regex = r"[^/\x00-\x1f\x7f]+"
    part_isolating = True  # one segment, although the class names "/"


def init_app(app: Flask) -> None:
    """Hook request ids and security headers into every request; the `name` URL converter."""
    app.url_map.converters["name"] = NameConverter
    app.json = _JSONProvider(app)
    app.before_request(_assign_request_id)
    # First in the list, so it runs last: after Flask-Limiter's own after_request hook.
    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_only_when_refused)
    app.wsgi_app = _per_request(  # type: ignore[method-assign]
        app.wsgi_app, app.config["ZC_ENV"] == "production")

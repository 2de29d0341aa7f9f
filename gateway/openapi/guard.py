"""The resource-side guard every open API view goes through.

`protected(api, scopes, legacy=...)` finds the token (REST: the Authorization header only, RFC
6750 §2.1, under the Bearer or the DPoP scheme, RFC 9449 §7; legacy: also `access_token` in the
query or form), checks its DPoP proof (gateway/oauth/resource.py), authenticates it, checks the
legacy `oauth_consumer_key`/`openid` pair, the scope (100030) and the app's permission (100031),
counts the call against the app's quota (429), runs the view, commits once, records usage and
refreshes the grant's last-used time at most once an hour. Errors render as RFC 6750 JSON with
`WWW-Authenticate` on /api/v1, and as HTTP 200 `{"ret":...,"msg":...}` on legacy paths.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Response, g, jsonify, make_response, request

from gateway.authorizations import services as authorizations
from gateway.database import commit_if_open
from gateway.errors import ValidationFailed, ZoneConnectError, english
from gateway.extensions import db
from gateway.oauth import resource
from gateway.oauth.errors import TokenError
from gateway.oauth.services import AccessContext
from gateway.openapi.errors import (
    InsufficientScope,
    PermissionDenied,
    RateLimited,
    TokenInQuery,
    TokenMismatch,
)
from gateway.quotas import services as quotas
from gateway.usage.recorder import record_call

View = Callable[..., Any]
# Legacy answer to input that fails validation (no QQ code says it; documented in the README).
RET_INVALID_PARAM = 100051
REALM = 'Bearer realm="ZoneConnect"'
# Bodies werkzeug parses into request.form (anything else has no form to look in).
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def token_from_request(*, legacy: bool) -> resource.Presented:
    """The presented access token: header only on REST, header or parameter on legacy paths
    (a parameter is a Bearer token: a DPoP-bound one is refused)."""
    presented = resource.from_header()
    if legacy:
        if presented.token is None and (param := request.values.get("access_token")):
            return resource.Presented(param)
        return presented
    if "access_token" in request.args or (request.mimetype in FORM_TYPES
                                          and "access_token" in request.form):
        raise TokenInQuery()
    return presented


def check_legacy_pair(ctx: AccessContext) -> None:
    """`oauth_consumer_key` must be the token's appid and `openid` the token's openid (100016)."""
    key = request.values.get("oauth_consumer_key", "")
    openid = request.values.get("openid", "")
    if key != ctx.appid or not ctx.openid or openid != ctx.openid:
        raise TokenMismatch()


def require_scope(ctx: AccessContext, scopes: tuple[str, ...]) -> None:
    """One of `scopes` must be effective: else 100031 when the app lacks them, 100030 otherwise."""
    if ctx.user_id is None:  # client_credentials: no user behind the token
        raise TokenMismatch()
    if any(scope in ctx.scopes for scope in scopes):
        return
    if not set(scopes) & ctx.app.granted_scopes():
        raise PermissionDenied(scopes[0])
    raise InsufficientScope(scopes[0])


def legacy_json(body: dict[str, Any], status: int = 200) -> Response:
    """A legacy body: compact JSON with UTF-8 characters, `text/html; charset=utf-8`."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(data, status=status, content_type="text/html; charset=utf-8")


def legacy_error(exc: ZoneConnectError) -> Response:
    """HTTP 200 with a positive `ret` and its message (QQ clients read only the body)."""
    if isinstance(exc, ValidationFailed):
        names = ",".join(sorted(exc.fields))
        return legacy_json({"ret": RET_INVALID_PARAM, "msg": f"param is wrong or lost: {names}"})
    return legacy_json({"ret": exc.ret or RET_INVALID_PARAM, "msg": english(exc.description)})


def _challenge(exc: ZoneConnectError) -> str | None:
    # RFC 6750 §3.1: no error code when no credentials were sent (both schemes offered); a
    # DPoP request or a proof error gets the DPoP challenge (RFC 9449 §7.1).
    return resource.challenge_for(exc, _bearer_challenge(exc))


def _bearer_challenge(exc: ZoneConnectError) -> str | None:
    def quoted(text: object) -> str:
        # Header values are ASCII (RFC 6750 3): the English description, whatever the reader.
        return english(text).replace("\\", "").replace('"', "'")  # type: ignore[arg-type]

    if isinstance(exc, TokenError) and exc.ret_code == 100007:
        return REALM
    if isinstance(exc, InsufficientScope | PermissionDenied):
        return (f'{REALM}, error="insufficient_scope", '
                f'error_description="{quoted(exc.description)}", scope="{exc.scope}"')
    if isinstance(exc, TokenInQuery):
        return f'{REALM}, error="invalid_request", error_description="{quoted(exc.description)}"'
    if exc.status in {401, 403}:
        return f'{REALM}, error="invalid_token", error_description="{quoted(exc.description)}"'
    return None


def rest_error(exc: ZoneConnectError) -> Response:
    """The REST error body of docs/api-contract.md with its RFC 6750 / Retry-After headers."""
    response = jsonify({**exc.to_dict(), "request_id": g.get("request_id")})
    response.status_code = exc.status
    if challenge := _challenge(exc):
        response.headers["WWW-Authenticate"] = challenge
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    response.headers.update(resource.nonce_headers(exc))
    return response


def _authorize(api: str, scopes: tuple[str, ...], legacy: bool) -> AccessContext:
    ctx = resource.authenticate(token_from_request(legacy=legacy))
    g.api_context = ctx
    if legacy:
        check_legacy_pair(ctx)
    require_scope(ctx, scopes)
    quotas.hit(ctx.app_id, api)
    return ctx


def protected(api: str, scopes: tuple[str, ...], *, legacy: bool) -> Callable[[View], View]:
    """Guard an open API view; the view gets the AccessContext first and flushes only."""
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Response:
            g.api_context = None
            try:
                ctx = _authorize(api, scopes, legacy)
                response = make_response(view(ctx, *args, **kwargs))
                authorizations.touch_last_used(ctx.user_id, ctx.app_id)
                # A check served from memory opens no session at all; a pure read begins no
                # transaction: then there is nothing to commit.
                commit_if_open()
                ok = True
            except ZoneConnectError as exc:
                db.session.rollback()
                response = legacy_error(exc) if legacy else rest_error(exc)
                if legacy:
                    response.headers.update(resource.nonce_headers(exc))
                ok = False
            else:
                response.headers.update(resource.nonce_headers())
            ctx_seen: AccessContext | None = g.get("api_context")
            if ctx_seen is not None:
                record_call(ctx_seen.app_id, api, ctx_seen.user_id, ok)
            return response
        return wrapped
    return decorator

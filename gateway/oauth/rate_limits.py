"""The token endpoints' rate limits: per caller address and per client, in fixed windows.

Counted with the `limits` library in the same storage as every other counter (Redis when
REDIS_URL is set, this process otherwise). These two endpoints are the only hot paths with
limits, and Flask-Limiter's decorator cost about a tenth of a refresh there (resolving and
re-parsing its limits, exemption scopes and its own request context on every request); here
the limits are parsed once per configured value and each request costs two counter hits.
Responses carry the tightest window in X-RateLimit-Limit/Remaining/Reset, like Flask-Limiter's;
a refusal is the usual 429 error with Retry-After.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, make_response, request
from flask.typing import ResponseReturnValue
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from gateway.errors import render_http_error
from gateway.extensions import client_address
from gateway.quotas.services import counters

View = Callable[..., ResponseReturnValue]


@functools.lru_cache(maxsize=64)
def _items(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def _keys(client_key: Callable[[], str]) -> list[tuple[RateLimitItem, str]]:
    config, endpoint = current_app.config, request.endpoint or ""
    return ([(item, item.key_for("token-address", endpoint, client_address()))
             for item in _items(config["ZC_TOKEN_LIMIT_ADDRESS"])]
            + [(item, item.key_for("token-client", endpoint, client_key()))
               for item in _items(config["ZC_TOKEN_LIMIT_CLIENT"])])


def token_limits(client_key: Callable[[], str]) -> Callable[[View], View]:
    """Count the request against its address's and its client's limits before the view runs."""
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if not current_app.config.get("RATELIMIT_ENABLED", True):
                return view(*args, **kwargs)
            storage = counters().storage
            # What limits' fixed-window strategy does, keeping the counts for the headers.
            hits = [(item, key, storage.incr(key, item.get_expiry()))
                    for item, key in _keys(client_key)]
            item, key, count = min(hits, key=lambda hit: hit[0].amount - hit[2])
            reset = storage.get_expiry(key)
            if count > item.amount:
                wait = max(math.ceil(reset - time.time()), 1)
                response = make_response(render_http_error(TooManyRequests(retry_after=wait)))
            else:
                response = make_response(view(*args, **kwargs))
            response.headers["X-RateLimit-Limit"] = str(item.amount)
            response.headers["X-RateLimit-Remaining"] = str(max(item.amount - count, 0))
            response.headers["X-RateLimit-Reset"] = str(int(reset))
            return response
        return limited
    return decorator

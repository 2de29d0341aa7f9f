"""Prometheus metrics: HTTP requests by endpoint and status, latency, and business counters.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped at
every start) so each worker writes its samples there and `/metrics` adds them up; gunicorn.conf.py
marks dead workers' files with `mark_process_dead`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from sqlalchemy import event
from sqlalchemy.orm import Session

from gateway import web

REQUESTS = Counter("zc_http_requests_total", "HTTP requests answered, by endpoint and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("zc_http_request_duration_seconds", "Time to answer an HTTP request.",
                    ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
TOKENS_ISSUED = Counter("zc_tokens_issued_total", "Access tokens issued.",
                        ["grant_type", "family"])
LOGINS = Counter("zc_logins_total", "Login attempts on the platform's login form.", ["result"])
ORDERS = Counter("zc_orders_total", "Order state changes.", ["status"])
API_CALLS = Counter("zc_api_calls_total", "Open API calls, by API and result.", ["api", "result"])

TOKEN_FAMILIES = frozenset({"legacy", "standard"})
_ON_COMMIT = "zc_metrics_on_commit"
UNMATCHED = "<unmatched>"


def token_issued(grant_type: str, family: str) -> None:
    """Count one issued token; family is "legacy" (QQ-style /oauth2.0) or "standard"."""
    if family not in TOKEN_FAMILIES:
        raise ValueError(f"token family must be one of {sorted(TOKEN_FAMILIES)}")
    TOKENS_ISSUED.labels(grant_type=grant_type[:40], family=family).inc()


def when_committed(count: Callable[[], None]) -> None:
    """Count once the database session's transaction commits (never for a rolled-back one)."""
    from gateway.extensions import db

    db.session().info.setdefault(_ON_COMMIT, []).append(count)


def _run_counts(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for count in session.info.pop(_ON_COMMIT, ()):
        count()


def _drop_counts(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_ON_COMMIT, None)


def token_family() -> str:
    """"legacy" for the QQ-style /oauth2.0 paths, "standard" for everything else."""
    return "legacy" if has_request_context() and request.path.startswith("/oauth2.0/") \
        else "standard"


def login_attempt(result: str) -> None:
    """Count one login attempt ("success", "failure", ...)."""
    LOGINS.labels(result=result[:40]).inc()


def order_event(status: str) -> None:
    """Count an order reaching `status`."""
    ORDERS.labels(status=status[:40]).inc()


def api_call(api: str, result: str) -> None:
    """Count one open API call, e.g. api_call("get_user_info", "ok")."""
    API_CALLS.labels(api=api[:60], result=result[:40]).inc()


def multiprocess_dir() -> str | None:
    """The directory of multiprocess samples, when gunicorn workers share their metrics."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render() -> tuple[bytes, str]:
    """The exposition text of every metric (summed over workers in multiprocess mode)."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def _endpoint_label() -> str:
    # The url rule (bounded set), never the raw path: ids in paths would explode the series.
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


# The labelled children, found once per (endpoint, method, status): `labels()` takes a lock and
# validates its arguments on every call. Bounded like the series themselves (url rules).
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _observe(response: Response) -> Response:
    key = (_endpoint_label(), request.method, response.status_code)
    children = _children.get(key)
    if children is None:
        children = (REQUESTS.labels(endpoint=key[0], method=key[1], status=str(key[2])),
                    LATENCY.labels(endpoint=key[0], method=key[1]))
        _children[key] = children
    children[0].inc()
    started = web.started_at()
    if started is not None:
        children[1].observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Count and time every request."""
    app.after_request(_observe)
    if not event.contains(Session, "after_commit", _run_counts):
        event.listen(Session, "after_commit", _run_counts)
        event.listen(Session, "after_rollback", _drop_counts)

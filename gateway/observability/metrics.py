"""Prometheus metrics: HTTP requests by endpoint and status, latency, and business counters.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped at
every start) so each worker writes its samples there and `/metrics` adds them up; gunicorn.conf.py
marks dead workers' files with `mark_process_dead`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from flask import Flask, Response, g, has_request_context, request
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


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    endpoint = _endpoint_label()
    REQUESTS.labels(endpoint=endpoint, method=request.method,
                    status=str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(endpoint=endpoint, method=request.method).observe(
            time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Count and time every request."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_observe)
    if not event.contains(Session, "after_commit", _run_counts):
        event.listen(Session, "after_commit", _run_counts)
        event.listen(Session, "after_rollback", _drop_counts)

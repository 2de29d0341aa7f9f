"""Observability: JSON logs carrying the request id, an access log line, Prometheus metrics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the JSON log handler, the per-request hooks and the `/metrics` endpoint."""
    from gateway.observability import logs, metrics, views

    logs.configure(app)
    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(views.bp)

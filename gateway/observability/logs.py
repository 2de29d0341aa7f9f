"""JSON log lines that carry the request id, method and path, and one access line per request."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from gateway import web
from gateway.observability.scrub import scrub_query, scrub_text

access_log = logging.getLogger("gateway.access")
# The loggers whose lines go through the platform's handler (ours and the libraries' we care for).
LOGGER_NAMES = ("gateway", "developer_portal")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RequestContextFilter(logging.Filter):
    """Adds request_id, method and path to every record, and scrubs secrets from the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.method = request.method
            record.path = request.path
        else:
            for name in ("request_id", "method", "path"):
                if not hasattr(record, name):
                    setattr(record, name, "-")
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # bad %-args must not break the caller's request
            message = f"{record.msg} {record.args!r}"
        record.msg = scrub_text(message)
        record.args = None
        return True


class ScrubbingJsonFormatter(JsonFormatter):
    """JSON lines whose tracebacks are scrubbed too (exception messages may quote URLs)."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return scrub_text(super().formatException(ei))


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler the platform installs (marked so create_app can run many times)."""


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "text":
        return logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: "
                                 "%(message)s")
    return ScrubbingJsonFormatter(FORMAT, rename_fields={"asctime": "time", "levelname": "level",
                                                "name": "logger"})


def handler() -> logging.Handler:
    """The platform's log handler (created on first use; one per process)."""
    root = logging.getLogger(LOGGER_NAMES[0])
    for existing in root.handlers:
        if isinstance(existing, _Handler):
            return existing
    created = _Handler(sys.stderr)
    created.addFilter(RequestContextFilter())
    for name in LOGGER_NAMES:
        logging.getLogger(name).addHandler(created)
    return created


def configure(app: Flask) -> None:
    """Send the platform's loggers to stderr as JSON lines (ZC_LOG_FORMAT=text for humans)."""
    installed = handler()
    installed.setFormatter(_formatter(app.config["ZC_LOG_FORMAT"]))
    for name in LOGGER_NAMES:
        logging.getLogger(name).setLevel(app.config["LOG_LEVEL"])


def _log_access(response: Response) -> Response:
    started = web.started_at()
    duration_ms = round((time.perf_counter() - started) * 1000, 3) if started else None
    fields: dict[str, Any] = {
        "status": response.status_code,
        "duration_ms": duration_ms,
        "query": scrub_query(request.query_string.decode("latin-1")),
        "endpoint": request.endpoint or "-",
        "remote_addr": request.remote_addr,
        "bytes": response.calculate_content_length(),
    }
    access_log.info("%s %s %s", request.method, request.path, response.status_code,
                    extra=fields)
    return response


def init_app(app: Flask) -> None:
    """Write every request's access line (timed from the moment gateway.web's middleware
    received it, so a request refused by a hook, a rate limit say, is timed too)."""
    app.after_request(_log_access)

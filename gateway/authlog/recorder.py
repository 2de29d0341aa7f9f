"""The auth event buffer: `record` only appends in memory; `flush` writes the rows in bulk.

Like the usage counters (gateway/usage/recorder.py), nothing is written on the request path:
each process buffers its events and flushes them every ZC_AUTHLOG_FLUSH_EVERY events, after a
request once ZC_AUTHLOG_FLUSH_SECONDS have passed, from a timer thread (outside tests), at exit,
and from `gateway authlog flush` and the worker. Events are inserts, so processes never need to
share the buffer. Apps are named by the appid the client sent and resolved at flush time: an
appid that names no app is dropped there, which also makes the log useless for probing.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import insert, select, tuple_

from gateway.apps.models import App
from gateway.authlog.models import AuthEvent
from gateway.extensions import db
from gateway.identity.models import OpenID

log = logging.getLogger(__name__)


class Buffer:
    """Pending events behind a lock, bounded: past ZC_AUTHLOG_BUFFER_MAX new events are dropped."""

    def __init__(self, limit: int, flush_every: int, flush_seconds: float) -> None:
        self.lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self.limit, self.flush_every, self.flush_seconds = limit, flush_every, flush_seconds
        self.dropped = 0
        self.last_flush = time.monotonic()
        self.background = False
        self.timer_pid = 0

    def add(self, event: dict[str, Any]) -> bool:
        with self.lock:
            if len(self.events) >= self.limit:
                self.dropped += 1
                return True
            self.events.append(event)
            return len(self.events) >= self.flush_every

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            events, self.events = self.events, []
            self.last_flush = time.monotonic()
        return events

    def give_back(self, events: list[dict[str, Any]]) -> None:
        with self.lock:
            self.events = (events + self.events)[: self.limit]

    def due(self) -> bool:
        return bool(self.events) and time.monotonic() - self.last_flush >= self.flush_seconds


def _buffer(app: Flask) -> Buffer:
    buffer: Buffer = app.extensions["zc_authlog"]
    if buffer.background and buffer.timer_pid != os.getpid():
        _start_timer(app, buffer)
    return buffer


def _start_timer(app: Flask, buffer: Buffer) -> None:
    """Flush every ZC_AUTHLOG_FLUSH_SECONDS and at exit (started lazily in each process)."""
    with buffer.lock:
        if buffer.timer_pid == os.getpid():
            return
        buffer.timer_pid = os.getpid()

    def flush_now() -> None:
        with app.app_context():
            if buffer.events:
                _quietly_flush()

    def loop() -> None:
        while True:
            time.sleep(max(buffer.flush_seconds, 0.5))
            flush_now()

    threading.Thread(target=loop, name="authlog-flush", daemon=True).start()
    atexit.register(flush_now)


def note(**facts: Any) -> None:
    """Facts the outcome cannot show, for this request's event (e.g. reason="reuse_detected")."""
    g.setdefault("authlog_notes", {}).update(facts)


def record(event: dict[str, Any]) -> None:
    """Buffer one event (keys: the AuthEvent columns, `appid` instead of app_id, `user_id`)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _buffer(app).add(event):
        _quietly_flush()


def _quietly_flush() -> None:
    """The log must never fail the request it describes: log and go on."""
    try:
        flush()
    except Exception:
        log.exception("auth event flush failed")


def flush() -> int:
    """Write every buffered event now, in one transaction of its own; returns rows written."""
    buffer = _buffer(current_app._get_current_object())  # type: ignore[attr-defined]
    events = buffer.take()
    if not events:
        return 0
    try:
        return _write(events)
    except Exception:
        buffer.give_back(events)  # kept for the next attempt
        raise


def _write(events: list[dict[str, Any]]) -> int:
    with db.engine.begin() as conn:
        appids = {e["appid"] for e in events}
        ids = dict(conn.execute(select(App.appid, App.id).where(App.appid.in_(appids))).all())
        rows = [{**e, "app_id": ids[e["appid"]]} for e in events if e["appid"] in ids]
        pairs = {(r["user_id"], r["app_id"]) for r in rows
                 if r.get("user_id") is not None and not r.get("openid")}
        openids: dict[tuple[int, int], str] = {}
        if pairs:
            found = conn.execute(select(OpenID.user_id, OpenID.app_id, OpenID.openid).where(
                tuple_(OpenID.user_id, OpenID.app_id).in_(sorted(pairs)))).all()
            openids = {(u, a): o for u, a, o in found}
        columns = set(AuthEvent.__table__.columns.keys()) - {"id"}
        values = []
        for row in rows:
            if not row.get("openid") and row.get("user_id") is not None:
                row["openid"] = openids.get((row["user_id"], row["app_id"]))
            values.append({k: row.get(k) for k in columns})
        if values:
            conn.execute(insert(AuthEvent), values)
    return len(values)


def _flush_if_due(exc: BaseException | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _buffer(app).due():
        _quietly_flush()


def init_app(app: Flask) -> None:
    """Give the app its buffer, the capture hook and the flush-after-request hook."""
    from gateway.authlog import capture

    buffer = Buffer(int(app.config["ZC_AUTHLOG_BUFFER_MAX"]),
                    int(app.config["ZC_AUTHLOG_FLUSH_EVERY"]),
                    float(app.config["ZC_AUTHLOG_FLUSH_SECONDS"]))
    buffer.background = not app.testing
    app.extensions["zc_authlog"] = buffer
    app.after_request(capture.after_request)
    from gateway.commands.authlog import authlog_group

    app.cli.add_command(authlog_group)
    app.teardown_request(_flush_if_due)

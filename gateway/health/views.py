"""`/healthz` (the process answers) and `/readyz` (its dependencies answer)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from gateway.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is up."""
    return jsonify(status="ok")


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        return "unavailable"


def _check_redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except redis.RedisError:
        return "unavailable"


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """The database (and Redis, when configured) answer."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(value in {"ok", "not configured"} for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503

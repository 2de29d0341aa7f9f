"""Quota checks on the hot path and the operators' overrides. Flush, never commit.

Counters live in the `limits` storage named by RATELIMIT_STORAGE_URI (Redis when REDIS_URL is
set, this process otherwise: gateway/process_limits.py), in fixed windows keyed by app and API. An
app's overrides are kept per process for ZC_APP_CACHE_TTL seconds so a call costs no database
read.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import delete, select

from gateway.audit import services as audit
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.openapi.errors import RateLimited
from gateway.quotas.models import ALL_APIS, AppQuotaOverride
from gateway.timeutil import utcnow

# The APIs quotas apply to (the `api` names recorded in usage statistics).
APIS = ("get_user_info", "get_simple_userinfo", "get_vip_info", "me", "add_share",
        "list_shares", "delete_share", "userinfo",
        # Communities (issue 13): the legacy and REST paths of one method share its name.
        "list_album", "add_album", "upload_pic", "list_photo", "check_page_fans",
        "get_group_list", "get_group_info", "get_group_members", "send_group_msg")


def counters() -> FixedWindowRateLimiter:
    """The app's fixed-window counters (quotas here, the token endpoints' limits too)."""
    return current_app.extensions["zc_quota_limiter"]  # type: ignore[no-any-return]


def configured_limits() -> dict[str, str]:
    """Per-API defaults from ZC_API_RATE_LIMITS: a dict, or "api=limit;api=limit" text."""
    raw = current_app.config.get("ZC_API_RATE_LIMITS") or {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    pairs = (part.split("=", 1) for part in str(raw).split(";") if "=" in part)
    return {api.strip(): limit.strip() for api, limit in pairs}


def overrides_for(app_id: int) -> dict[str, str]:
    """An app's overrides by API, kept in this process for ZC_APP_CACHE_TTL seconds (a call
    costs no database or Redis read); `forget` drops them here after a change, and other
    processes see it within the TTL."""
    ttl = float(current_app.config["ZC_APP_CACHE_TTL"])
    kept: dict[int, tuple[float, dict[str, str]]] = current_app.extensions.setdefault(
        "zc_quota_overrides", {})
    now = time.monotonic()
    found = kept.get(app_id)
    if found is not None and now - found[0] < ttl:
        return found[1]
    rows = db.session.execute(select(AppQuotaOverride.api, AppQuotaOverride.limit)
                              .where(AppQuotaOverride.app_id == app_id)).all()
    overrides = {api: limit for api, limit in rows}
    if ttl > 0:
        if len(kept) > 10_000:
            kept.clear()
        kept[app_id] = (now, overrides)
    return overrides


def limit_for(app_id: int, api: str) -> str:
    """The limit in force: app override for the API, for every API, config per API, default."""
    overrides = overrides_for(app_id)
    return (overrides.get(api) or overrides.get(ALL_APIS) or configured_limits().get(api)
            or str(current_app.config["ZC_API_RATE_LIMIT"]))


@functools.lru_cache(maxsize=256)
def _items(text: str) -> tuple[RateLimitItem, ...]:
    """Parsed limits, kept per text (parsing is a regex pass: not for every call)."""
    try:
        return tuple(parse_many(text))
    except ValueError:  # a broken configured limit must not take the API down
        return tuple(parse_many("600 per minute"))


def hit(app_id: int, api: str) -> None:
    """Count one call; raise RateLimited (with seconds to wait) when over any limit."""
    limiter = counters()
    for item in _items(limit_for(app_id, api)):
        if not limiter.hit(item, "api-quota", str(app_id), api):
            stats = limiter.get_window_stats(item, "api-quota", str(app_id), api)
            raise RateLimited(math.ceil(stats.reset_time - time.time()))


def valid_limit(text: str) -> bool:
    """Whether `text` is a rate limit the `limits` library understands."""
    try:
        return bool(parse_many(text)) and len(text) <= 64
    except ValueError:
        return False


def set_override(app_id: int, api: str, limit: str, actor_id: int) -> AppQuotaOverride:
    """Set (or replace) an app's limit for one API or "*"; audited."""
    problems: dict[str, list[str]] = {}
    if api != ALL_APIS and api not in APIS:
        problems["api"] = [_l("Choose one of the listed APIs or *.")]
    if not valid_limit(limit):
        problems["limit"] = [_l('Write a limit like "600 per minute" or "10/second".')]
    if problems:
        raise ValidationFailed(problems)
    row = db.session.scalar(select(AppQuotaOverride).where(
        AppQuotaOverride.app_id == app_id, AppQuotaOverride.api == api))
    if row is None:
        row = AppQuotaOverride(app_id=app_id, api=api, limit=limit)
        db.session.add(row)
    row.limit, row.updated_by, row.updated_at = limit, actor_id, utcnow()
    db.session.flush()
    audit.record("quota.override_set", actor_id=actor_id, subject_type="app",
                 subject_id=app_id, api=api, limit=limit)
    forget(app_id)
    return row


def remove_override(app_id: int, api: str, actor_id: int) -> bool:
    """Drop an override (the default applies again); audited."""
    done = db.session.execute(delete(AppQuotaOverride).where(
        AppQuotaOverride.app_id == app_id, AppQuotaOverride.api == api))
    removed = bool(done.rowcount)  # type: ignore[attr-defined]
    if removed:
        audit.record("quota.override_removed", actor_id=actor_id, subject_type="app",
                     subject_id=app_id, api=api)
    forget(app_id)
    return removed


def forget(app_id: int) -> None:
    """Drop this process's copy of an app's overrides."""
    current_app.extensions.get("zc_quota_overrides", {}).pop(app_id, None)


def init_app(app: Flask) -> None:
    """Give the app its quota counters (RATELIMIT_STORAGE_URI: Redis, or this process)."""
    app.config.setdefault("ZC_API_RATE_LIMIT", "600 per minute")
    app.config.setdefault("ZC_API_RATE_LIMITS", {})
    uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "process://"
    app.extensions["zc_quota_limiter"] = FixedWindowRateLimiter(storage_from_string(uri))

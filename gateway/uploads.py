"""What every upload shares: its errors (413, 415, quota) and the per-endpoint body limit.

Low-level: no domain imports. The legacy `ret` codes are ZoneConnect's own (QQ's photo methods
documented none for these cases); README lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app, request

from gateway.errors import ZoneConnectError
from gateway.i18n import _

RET_TOO_LARGE = 100052
RET_UNSUPPORTED = 100053
RET_QUOTA = 100054


class PayloadTooLarge(ZoneConnectError):
    """The upload is bigger than its limit (bytes or pixels)."""

    code = "payload_too_large"
    status = 413

    def __init__(self, limit: int, description: str | None = None) -> None:
        super().__init__(description or _("The upload is too large (limit: %(limit)s bytes).",
                                          limit=limit),
                         ret=RET_TOO_LARGE, extra={"limit": limit})


class UnsupportedMediaType(ZoneConnectError):
    """The upload is not a type this endpoint accepts."""

    code = "unsupported_media_type"
    status = 415

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description or _("This type of file is not accepted here."),
                         ret=RET_UNSUPPORTED)


class QuotaExceeded(ZoneConnectError):
    """A count or storage quota is used up; `limit` says how much is allowed."""

    code = "quota_exceeded"
    status = 403

    def __init__(self, limit: int, description: str | None = None,
                 **extra: Any) -> None:
        super().__init__(description or _("Quota exceeded (limit: %(limit)s).", limit=limit),
                         ret=RET_QUOTA, extra={"limit": limit, **extra})


BodyLimit = Callable[[Mapping[str, Any]], int]


def init_app(app: Flask) -> None:
    """Raise the body limit of upload endpoints before anything reads the form.

    The hook runs first of all (CSRF protection reads the form of every page POST), so an
    endpoint registered with `allow_uploads` parses its body under its own limit.
    """
    app.extensions.setdefault("zc_upload_limits", {})
    app.before_request_funcs.setdefault(None, []).insert(0, _apply_limit)


def allow_uploads(app: Flask, endpoint: str, limit: BodyLimit) -> None:
    """Let `endpoint` accept bodies up to `limit(app.config)` bytes."""
    app.extensions.setdefault("zc_upload_limits", {})[endpoint] = limit


def _apply_limit() -> None:
    limit = current_app.extensions.get("zc_upload_limits", {}).get(request.endpoint)
    if limit is not None:
        allow_body(limit(current_app.config))


def allow_body(limit: int) -> None:
    """Raise this request's body limit (before anything reads the form) to `limit` bytes.

    Werkzeug then refuses a longer body with 413 while parsing, and spools file parts to a
    temporary file past 500 KB, so memory never holds the whole upload.
    """
    request.max_content_length = limit

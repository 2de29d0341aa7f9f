"""Client options: keyword arguments, then `ZONECONNECT_*` environment variables, then defaults."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import httpx

from ._exceptions import DEFAULT_BASE_URL, ZoneConnectError
from ._version import __version__

__all__ = ["DEFAULT_BASE_URL", "ClientConfig", "resolve_config"]
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2


@dataclass(frozen=True)
class ClientConfig:
    """The resolved, immutable options of one client."""

    app_id: str
    app_key: str | None
    redirect_uri: str | None
    base_url: str
    timeout: httpx.Timeout
    max_retries: int

    @property
    def user_agent(self) -> str:
        """The User-Agent sent on every request."""
        return (f"zoneconnect-python/{__version__} httpx/{httpx.__version__} "
                f"python/{platform.python_version()}")

    def url(self, path: str) -> str:
        """An absolute URL on the platform for a path starting with `/`."""
        return self.base_url + path

    def require_app_key(self) -> str:
        """The app key, or a clear error for operations that need app authentication."""
        if not self.app_key:
            raise ZoneConnectError(
                "this operation needs the app key: pass app_key= or set ZONECONNECT_APP_KEY")
        return self.app_key


def resolve_config(
    *,
    app_id: str | None,
    app_key: str | None,
    redirect_uri: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    http_client: httpx.Client | httpx.AsyncClient | None,
) -> ClientConfig:
    """Apply the environment fallbacks and validate the options."""
    app_id = app_id or os.environ.get("ZONECONNECT_APP_ID")
    if not app_id:
        raise ZoneConnectError("app_id is required: pass app_id= or set ZONECONNECT_APP_ID")
    app_key = app_key or os.environ.get("ZONECONNECT_APP_KEY") or None
    base = base_url or os.environ.get("ZONECONNECT_BASE_URL") or DEFAULT_BASE_URL
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    if timeout is None:
        resolved = http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
    else:
        resolved = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    return ClientConfig(
        app_id=str(app_id),
        app_key=app_key,
        redirect_uri=redirect_uri,
        base_url=base.rstrip("/"),
        timeout=resolved,
        max_retries=max_retries,
    )

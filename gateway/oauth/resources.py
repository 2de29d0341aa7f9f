"""RFC 8707 resource indicators: the resources the platform serves, and how one is named.

A resource is an absolute URI without a fragment. The platform serves its own API
(`<issuer>/api/v1`, the default audience of every token); another app of a developer is named
`urn:zoneconnect:app:<appid>` (or by its appid as an RFC 8693 `audience`), and only token exchange
may target one (gateway/oauth/exchange.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gateway import public_url

APP_URN = "urn:zoneconnect:app:"
MAX_LENGTH = 255


class InvalidTarget(Exception):
    """The resource is malformed or not one the platform will issue a token for."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def platform_resource() -> str:
    """The platform's own API: the default audience of the tokens it issues."""
    return public_url.issuer() + "/api/v1"


def well_formed(resource: str) -> bool:
    """An absolute URI without a fragment (RFC 8707 §2), short enough to store."""
    if not resource or len(resource) > MAX_LENGTH or any(c.isspace() for c in resource):
        return False
    parts = urlsplit(resource)
    return bool(parts.scheme) and not parts.fragment and "#" not in resource and (
        bool(parts.netloc) or parts.scheme == "urn")


def one(values: list[str]) -> str | None:
    """The single `resource` of a request (None when absent); several are refused."""
    if not values:
        return None
    if len(values) > 1:
        raise InvalidTarget("one resource per request")
    if not well_formed(values[0]):
        raise InvalidTarget("resource must be an absolute URI without a fragment")
    return values[0]


def platform(values: list[str]) -> str | None:
    """The `resource` of an authorization or token request, checked against what the platform
    serves: its own API. None when the request names none."""
    resource = one(values)
    if resource is not None and resource.rstrip("/") != platform_resource():
        raise InvalidTarget("the platform serves no such resource")
    return None if resource is None else platform_resource()


def appid_of(resource: str) -> str | None:
    """The appid a resource names (`urn:zoneconnect:app:<appid>`), or None."""
    if resource.startswith(APP_URN):
        appid = resource[len(APP_URN):]
        return appid if appid.isdigit() and len(appid) <= 16 else None
    return None

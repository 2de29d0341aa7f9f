"""`/metrics`: Prometheus exposition, for the loopback, allowed networks, or a bearer token."""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from gateway.errors import NotFound
from gateway.observability import metrics

bp = Blueprint("observability", __name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(spec: str) -> tuple[Network, ...]:
    """Networks from a comma-separated list of addresses or CIDRs."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in spec.split(",") if part.strip())


def address_allowed(address: str | None, spec: str) -> bool:
    """Whether `address` lies in one of the networks of `spec`."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in parse_networks(spec))


def _token_ok() -> bool:
    expected = current_app.config.get("ZC_METRICS_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    if not expected or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), expected.encode())


@bp.get("/metrics")
def metrics_view() -> ResponseReturnValue:
    """Prometheus metrics; anyone else gets a plain 404 (the endpoint is not advertised)."""
    if not (address_allowed(request.remote_addr, current_app.config["ZC_METRICS_ALLOW"])
            or _token_ok()):
        raise NotFound()
    body, content_type = metrics.render()
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response

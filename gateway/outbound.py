"""The one guarded HTTP client for every request a developer's URL drives.

Webhooks and order callbacks (the outbox), deauthorization callbacks, back-channel logout and test
events all go through here, so a URL typed by a developer can never reach the platform's own
network: loopback, private, link-local (cloud metadata), multicast, unspecified, IPv4-mapped and
other non-global addresses are refused.

API (import nothing else for outbound calls to developer URLs)::

    from gateway import outbound

    problem = outbound.url_problem(url)      # registration: None, or a translated form error
    try:
        response = outbound.post(url, content=body, headers={"Content-Type": "application/json"})
    except outbound.OutboundError as exc:    # exc.public: safe to show the developer
        record(exc.public)
    response.status, response.headers, response.body  # body: at most ZC_OUTBOUND_MAX_RESPONSE_BYTES

Guarantees: the host is resolved and every address vetted *at connect time* (a name that pointed
at a public address at registration and at 127.0.0.1 now is refused and never connected); the
connection goes to the vetted address itself while Host and TLS SNI keep the URL's name; redirects
are never followed (a 3xx is just a status); short timeouts and an overall deadline; the response
body read is bounded; environment proxies are ignored (they would bypass the guard).

Settings: ``ZC_OUTBOUND_ALLOW_HOSTS`` (host names or networks the operator allows although
internal, e.g. ``"hooks.corp.example,10.20.0.0/16"``), ``ZC_OUTBOUND_ALLOW_LOOPBACK`` (development
and tests only: production refuses to start with it), ``ZC_OUTBOUND_CONNECT_TIMEOUT``,
``ZC_OUTBOX_TIMEOUT_SECONDS`` (the whole exchange) and ``ZC_OUTBOUND_MAX_RESPONSE_BYTES``.

Tests (and anything else needing a different DNS) replace the resolver of the app's client:
``outbound.client().guard.resolver = fake`` where ``fake(host, port) -> list[str]``.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
from flask import Flask, current_app

from gateway.i18n import _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# Never allowed, not even through the operator's allow-list: cloud instance metadata services.
METADATA = tuple(ipaddress.ip_network(n) for n in (
    "169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128"))
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
SCHEMES = ("http", "https")

# What the deliveries page shows: short, stable, free of internal detail.
REFUSED = "refused: address not allowed"
CONNECT_FAILED = "connection failed"
TIMED_OUT = "timed out"
BAD_URL = "invalid URL"
UNRESOLVED = "host name not found"


class OutboundError(Exception):
    """A request that did not get an answer; `public` is safe to show to the developer."""

    public = CONNECT_FAILED

    def __init__(self, public: str | None = None) -> None:
        self.public = public or self.public
        super().__init__(self.public)


class AddressNotAllowed(OutboundError):
    """The URL's host is (or resolves to) an address outbound requests may not reach."""

    public = REFUSED


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def literal_address(host: str) -> Address | None:
    """The address a host spells literally, in any form the C library accepts (127.1,
    2130706433, 0x7f000001, 0177.0.0.1, [::1]); None for a name."""
    text = host.strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):
        return None


def _public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped or address.sixtofour or address.teredo:
            return False  # an IPv4 address in disguise: refused whatever it hides
        if address in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
            return False
    return address.is_global and not address.is_multicast


@dataclass
class Guard:
    """Which hosts and addresses outbound requests may reach."""

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[Network, ...] = ()
    resolver: Resolver = system_resolve

    def address_allowed(self, address: Address, host: str = "") -> bool:
        """Whether a connection to `address` (for URL host `host`) is allowed."""
        if any(address in net for net in METADATA if net.version == address.version):
            return False
        if host.lower().rstrip(".") in self.allow_hosts:
            return True
        if any(address in net for net in self.allow_networks if net.version == address.version):
            return True
        return _public(address)

    def vetted_addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for host:port; AddressNotAllowed when any is refused (a
        name resolving to a public and an internal address is refused as a whole)."""
        found = self._addresses(host, port)
        if not found or not all(self.address_allowed(a, host) for a in found):
            raise AddressNotAllowed()
        return [str(a) for a in found]

    def _addresses(self, host: str, port: int) -> list[Address]:
        literal = literal_address(host)
        if literal is not None:
            return [literal]
        name = host.lower().rstrip(".")
        if (name == "localhost" or name.endswith(".localhost")) and name not in self.allow_hosts:
            return [ipaddress.ip_address("127.0.0.1")]  # RFC 6761: never asked of DNS
        return [ipaddress.ip_address(a.split("%", 1)[0]) for a in self._resolve(host, port)]

    def _resolve(self, host: str, port: int) -> list[str]:
        try:
            return self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise OutboundError(UNRESOLVED) from exc

    def url_problem(self, url: Any, *, resolve: bool = True) -> str | None:
        """Why a developer may not register `url` (translated), or None. A name that does not
        resolve now is accepted: it is checked again at every connection."""
        if not isinstance(url, str) or not url.strip():
            return _("Give an http(s) URL.")
        try:
            parts = urlsplit(url.strip())
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return _("Give an http(s) URL.")
        if parts.scheme not in SCHEMES or not parts.hostname:
            return _("Give an http(s) URL.")
        if parts.username is not None or parts.password is not None:
            return _("A URL with a user name or password is not accepted.")
        try:
            self.vetted_addresses(parts.hostname, port) if resolve else None
        except AddressNotAllowed:
            return _("This address is not allowed: callbacks must go to a public internet host.")
        except OutboundError:
            return None
        return None


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the guard vetted just now."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in self.guard.vetted_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # vetted_addresses never returns an empty list
        raise last


@dataclass(frozen=True)
class Response:
    """An answer: status, headers (lower-case names) and at most max_bytes of the body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False


@dataclass
class Client:
    """The guarded client; one per app (`client()`), built from its configuration."""

    guard: Guard
    connect_timeout: float = 3.0
    timeout: float = 10.0
    max_bytes: int = 65536
    user_agent: str = "ZoneConnect/1"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Client:
        """The client an app's settings describe."""
        hosts, networks = parse_allow_list(config.get("ZC_OUTBOUND_ALLOW_HOSTS"))
        if config.get("ZC_OUTBOUND_ALLOW_LOOPBACK"):
            networks = (*networks, *LOOPBACK)
        return cls(Guard(hosts, networks), float(config.get("ZC_OUTBOUND_CONNECT_TIMEOUT", 3)),
                   float(config.get("ZC_OUTBOX_TIMEOUT_SECONDS", 10)),
                   int(config.get("ZC_OUTBOUND_MAX_RESPONSE_BYTES", 65536)))

    def request(self, method: str, url: str, *, content: bytes = b"",
                headers: Mapping[str, str] | None = None) -> Response:
        """Send one request to a developer's URL; OutboundError when no answer came."""
        try:
            parts = urlsplit(url)
            if parts.scheme not in SCHEMES or not parts.hostname or parts.username is not None:
                raise OutboundError(BAD_URL)
        except ValueError as exc:
            raise OutboundError(BAD_URL) from exc
        sent = {"User-Agent": self.user_agent, **(headers or {})}
        deadline = time.monotonic() + self.timeout
        timeouts = {"connect": min(self.connect_timeout, self.timeout), "read": self.timeout,
                    "write": self.timeout, "pool": self.timeout}
        try:
            with httpcore.ConnectionPool(network_backend=_GuardedBackend(self.guard),
                                         retries=0, max_connections=1) as pool, \
                    pool.stream(method, url, headers=sent, content=content,
                                extensions={"timeout": timeouts}) as answer:
                body, truncated = self._read(answer, deadline)
                return Response(answer.status, {k.decode("latin-1").lower(): v.decode("latin-1")
                                                for k, v in answer.headers}, body, truncated)
        except httpcore.TimeoutException as exc:
            raise OutboundError(TIMED_OUT) from exc
        except (httpcore.UnsupportedProtocol, httpcore.LocalProtocolError) as exc:
            raise OutboundError(BAD_URL) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
            raise OutboundError(CONNECT_FAILED) from exc

    def _read(self, answer: httpcore.Response, deadline: float) -> tuple[bytes, bool]:
        """At most max_bytes of the body, within the overall deadline (a trickle is cut off)."""
        chunks: list[bytes] = []
        size = 0
        for chunk in answer.iter_stream():
            chunks.append(chunk)
            size += len(chunk)
            if size >= self.max_bytes:
                return b"".join(chunks)[: self.max_bytes], True
            if time.monotonic() > deadline:
                raise OutboundError(TIMED_OUT)
        return b"".join(chunks), False

    def post(self, url: str, *, content: bytes = b"",
             headers: Mapping[str, str] | None = None) -> Response:
        """POST `content` to `url` (see `request`)."""
        return self.request("POST", url, content=content, headers=headers)


def parse_allow_list(value: Any) -> tuple[frozenset[str], tuple[Network, ...]]:
    """ZC_OUTBOUND_ALLOW_HOSTS (a list or a comma-separated string) as names and networks."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    hosts: set[str] = set()
    networks: list[Network] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            hosts.add(item.lower().rstrip("."))
    return frozenset(hosts), tuple(networks)


EXTENSION = "zc_outbound"


def init_app(app: Flask) -> None:
    """Build the app's guarded client from its settings."""
    app.extensions[EXTENSION] = Client.from_config(app.config)


def client() -> Client:
    """The current app's guarded client."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def post(url: str, *, content: bytes = b"", headers: Mapping[str, str] | None = None) -> Response:
    """POST through the current app's guarded client."""
    return client().post(url, content=content, headers=headers)


def url_problem(url: Any) -> str | None:
    """Why `url` may not be registered as a callback (translated), or None."""
    return client().guard.url_problem(url)

"""Checking and normalizing the http(s) URLs developers type (website, webhook, deauthorization):
scheme, host, port and length validated, internationalized host names turned into their ASCII
(punycode, IDNA 2008 with UTS 46 mapping) form, so what is stored is what is connected to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

import idna

from gateway.i18n import _

MAX_LENGTH = 512


class UrlProblem(ValueError):
    """Why a URL cannot be used; the message is translated, for the form or the API."""


def _host(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))  # a literal stays as it is
    except ValueError:
        pass
    try:
        return idna.encode(host.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise UrlProblem(_("The host name is not valid.")) from exc


def normalize_http_url(value: str, max_length: int = MAX_LENGTH) -> str:
    """The URL with its scheme and host normalized, or UrlProblem."""
    value = value.strip()
    if len(value) > max_length or any(c.isspace() or ord(c) < 32 for c in value):
        raise UrlProblem(_("Use an http(s) URL of at most %(n)s characters, without spaces.",
                           n=max_length))
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise UrlProblem(_("The port must be a number from 1 to 65535.")) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise UrlProblem(_("Use an http(s) URL."))
    if parts.username is not None or parts.password is not None:
        raise UrlProblem(_("A URL with a user name or password is not allowed."))
    if not parts.hostname:
        raise UrlProblem(_("The URL needs a host name."))
    if port == 0:
        raise UrlProblem(_("The port must be a number from 1 to 65535."))
    host = _host(parts.hostname)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    normalized = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query,
                             parts.fragment))
    if len(normalized) > max_length:
        raise UrlProblem(_("Use an http(s) URL of at most %(n)s characters, without spaces.",
                           n=max_length))
    return normalized

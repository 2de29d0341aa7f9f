"""Keep credentials out of logs: scrub tokens from URLs, query strings, headers and messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"
SECRET_PARAMS = frozenset({"access_token", "refresh_token", "code", "client_secret", "password",
                           "id_token", "appkey", "openkey", "csrf_token"})
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})

# name=value pairs in free text (query strings, form bodies, JSON-ish dumps) and bearer values.
_PAIR = re.compile(
    r"(?i)\b(" + "|".join(sorted(SECRET_PARAMS)) + r")(\"?\s*[=:]\s*\"?)([^&\s\"',;]+)")
_AUTH = re.compile(r"(?i)\b(authorization\"?\s*[=:]\s*\"?)(bearer|basic)?\s*([^\s\"',;]+)")


def scrub_query(query: str) -> str:
    """A query string with every secret parameter's value replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    cleaned = [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
    return urlencode(cleaned, safe="[]")


def scrub_url(url: str) -> str:
    """A URL (absolute or path?query) with secret query parameters and userinfo redacted."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    fragment = scrub_query(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, scrub_query(parts.query), fragment))


def scrub_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a dict, with credentials (Authorization, cookies) redacted."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in items}


def scrub_text(text: str) -> str:
    """Free text with `secret=value` pairs and Authorization values redacted."""
    text = _AUTH.sub(lambda m: m.group(1) + (m.group(2) + " " if m.group(2) else "") + REDACTED,
                     text)
    return _PAIR.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)

"""ZC_SMTP_URL -> Flask-Mailman settings (MAIL_*), checked once at start-up."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from gateway.config import ConfigError

DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
TRUE = {"1", "true", "yes", "on"}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def mail_settings(url: str, *, production: bool) -> dict[str, Any]:
    """The MAIL_* settings for an smtp://, smtp+starttls:// or smtps:// URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError("ZC_SMTP_URL must look like smtp://host:port, smtps://host:port or "
                          "smtp+starttls://host:port")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ConfigError("ZC_SMTP_URL has an invalid port") from exc
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    starttls = scheme == "smtp+starttls" or query.get("starttls", "") in TRUE
    ssl = scheme == "smtps"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if production and username and not (ssl or starttls) and parts.hostname not in LOOPBACK:
        # The password would cross the network in the clear.
        raise ConfigError("ZC_SMTP_URL sends credentials without TLS: use smtps:// or "
                          "?starttls=true")
    return {"MAIL_BACKEND": "gateway.mail.backend.EmailBackend", "MAIL_SERVER": parts.hostname,
            "MAIL_PORT": port, "MAIL_USERNAME": username, "MAIL_PASSWORD": password,
            "MAIL_USE_SSL": ssl, "MAIL_USE_TLS": starttls}

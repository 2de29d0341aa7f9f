"""Settings derived at start-up, and the unsafe settings production refuses to start with.

Each refusal is one line naming the setting (ConfigError; the CLI and gunicorn print it without
a traceback). Development and tests keep their zero-configuration defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

# Secrets seen in examples, tutorials and .env templates: never a production key.
WEAK_SECRETS = {"dev", "development", "secret", "secret-key", "changeme", "change-me",
                "please-change-me", "test-secret-key", "not-a-secret", "insecure"}
IN_PROCESS_STORAGE = ("process://", "memory://")
TRUE = {"1", "true", "yes", "on"}


def derive(config: dict[str, Any]) -> None:
    """Fill the settings that follow from others: the public URL's old name, the issuer, the
    payment provider (Stripe in production, the free sandbox elsewhere)."""
    env = config["ZC_ENV"]
    if not config.get("ZC_PUBLIC_URL") and config.get("ZC_BASE_URL"):
        config["ZC_PUBLIC_URL"] = config["ZC_BASE_URL"]  # the setting's former name
    config["ZC_BASE_URL"] = config.get("ZC_PUBLIC_URL")
    if not config.get("ZC_ISSUER"):
        config["ZC_ISSUER"] = config.get("ZC_PUBLIC_URL")
    if not config.get("ZC_PAYMENT_PROVIDER"):
        config["ZC_PAYMENT_PROVIDER"] = "stripe" if env == "production" else "sandbox"


def _development_secret(instance_path: str) -> str | None:
    try:
        with open(os.path.join(instance_path, "secret_key")) as handle:
            return handle.read().strip()
    except OSError:
        return None


def _secret_problem(key: str, instance_path: str) -> str | None:
    if key.lower() in WEAK_SECRETS or len(key) < 32 or len(set(key)) < 5:
        return ("ZC_SECRET_KEY is a development or placeholder value: use at least 32 random "
                "characters (python -c 'import secrets; print(secrets.token_hex(32))')")
    if key == _development_secret(instance_path):
        return ("ZC_SECRET_KEY is the development key kept in the instance folder: generate a "
                "new one for production")
    return None


def _url_problem(name: str, value: Any) -> str | None:
    if not value:
        return (f"{name} must be set in production (the public https:// URL of the platform; "
                "it is never taken from the request's Host header)")
    parts = urlsplit(str(value))
    if parts.scheme != "https" or not parts.hostname:
        return f"{name} must be an https:// URL in production (got {str(value)[:80]!r})"
    return None


def production_refusals(config: Mapping[str, Any], instance_path: str,
                        environ: Mapping[str, str]) -> list[str]:
    """Every unsafe setting of a production configuration, one line each (empty: fine)."""
    problems: list[str] = []
    if config.get("DEBUG") or environ.get("FLASK_DEBUG", "").strip().lower() in TRUE:
        problems.append("FLASK_DEBUG / DEBUG must be off in production (the debugger runs code)")
    if why := _secret_problem(str(config.get("SECRET_KEY") or ""), instance_path):
        problems.append(why)
    for name in ("ZC_PUBLIC_URL", "ZC_ISSUER"):
        if why := _url_problem(name, config.get(name)):
            problems.append(why)
            break  # the issuer defaults to the public URL: one line for one mistake
    provider = config.get("ZC_PAYMENT_PROVIDER")
    if provider == "sandbox":
        problems.append("ZC_PAYMENT_PROVIDER=sandbox credits coins for free: use stripe in "
                        "production")
    elif provider == "stripe":
        problems.extend(f"{name} must be set when ZC_PAYMENT_PROVIDER=stripe"
                        for name in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET")
                        if not config.get(name))
    if str(config.get("RATELIMIT_STORAGE_URI") or "").startswith(IN_PROCESS_STORAGE) and \
            not config.get("ZC_ALLOW_PROCESS_LIMITS"):
        problems.append("REDIS_URL (or RATELIMIT_STORAGE_URI) must name shared storage in "
                        "production: in-process login and token limits multiply by the workers")
    if config.get("ZC_OUTBOUND_ALLOW_LOOPBACK"):
        problems.append("ZC_OUTBOUND_ALLOW_LOOPBACK is for development only: production never "
                        "calls developer URLs on loopback (use ZC_OUTBOUND_ALLOW_HOSTS)")
    if config.get("SESSION_COOKIE_SECURE") is False:
        problems.append("SESSION_COOKIE_SECURE must not be off in production")
    return problems

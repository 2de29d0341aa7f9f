"""Configuration: defaults < environment < the test dict passed to create_app."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

DEFAULTS: dict[str, Any] = {
    # "development" (make run), "production" or "test"; outside development and tests a real
    # SECRET_KEY is required.
    "ZC_ENV": "production",
    "SECRET_KEY": None,
    "SQLALCHEMY_DATABASE_URI": None,  # default: SQLite file in the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Server database pool, per process: size, overflow, recycle age and wait (s); a connection
    # idle longer than ZC_DB_PING_AFTER_IDLE s is pinged before use (not every checkout).
    "ZC_DB_POOL_SIZE": 5,
    "ZC_DB_MAX_OVERFLOW": 10,
    "ZC_DB_POOL_RECYCLE": 1800,
    "ZC_DB_POOL_TIMEOUT": 10,
    "ZC_DB_PING_AFTER_IDLE": 10,
    # Redis (cache, rate limits, usage counters); None: everything stays in this process.
    "REDIS_URL": None,
    # Proxies in front of the app: how many hops' X-Forwarded-* headers to trust; None: none.
    "ZC_TRUSTED_PROXIES": None,
    # Public base URL (links, confirm_urls, avatar URLs, discovery) and the OIDC issuer (default:
    # the public URL). Required, https://, in production; elsewhere None takes the request's
    # host. ZC_BASE_URL is the former name of ZC_PUBLIC_URL and still works.
    "ZC_PUBLIC_URL": None,
    "ZC_ISSUER": None,
    "ZC_BASE_URL": None,
    # Uploads: the biggest request body accepted (a 20 MB avatar is refused with 413).
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    # Avatars and icons: the most pixels an upload may decode to (bounds its CPU cost).
    "ZC_AVATAR_MAX_PIXELS": 16_000_000,
    # Every JSON body the platform parses: at most this many bytes (413) and levels of nesting.
    "ZC_JSON_MAX_BYTES": 1024 * 1024,
    "ZC_JSON_MAX_DEPTH": 32,
    # Password hashing (argon2id). Tests lower these; production keeps the library defaults.
    "ZC_ARGON2_TIME_COST": 3,
    "ZC_ARGON2_MEMORY_COST": 65536,
    "ZC_ARGON2_PARALLELISM": 4,
    # Login throttling: failed attempts per account and per address.
    "ZC_LOGIN_LIMIT_ACCOUNT": "5 per 5 minutes",
    "ZC_LOGIN_LIMIT_ADDRESS": "20 per 5 minutes",
    # Failed checks of other typed secrets, per user (else address): the current password on
    # /account/password, device user codes on /device (RFC 8628 5.1).
    "ZC_PASSWORD_CHECK_LIMIT": "5 per 15 minutes",
    "ZC_DEVICE_CODE_LIMIT": "10 per 10 minutes",
    # Avatar and app icon uploads per user (else address); decoding stays under
    # ZC_AVATAR_MAX_PIXELS.
    "ZC_UPLOAD_LIMIT": "20 per hour",
    "RATELIMIT_STORAGE_URI": None,  # default: REDIS_URL, else process:// (this process)
    # Production refuses in-process limit storage (each worker would count on its own) unless
    # this says the operator knows: a production-like benchmark without Redis, say.
    "ZC_ALLOW_PROCESS_LIMITS": False,
    # Explicit: Flask-Limiter otherwise copies its default from the last app it was bound to.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Sessions
    "SESSION_COOKIE_NAME": "zc_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # default: True in production
    "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    # Logging: the level of the platform's loggers.
    "LOG_LEVEL": "INFO",
    # Languages (gateway/i18n.py): the locale when nothing in the request chooses one.
    "ZC_DEFAULT_LOCALE": "zh_Hans",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    # The time zone of pages for visitors and accounts that chose none (stored times stay UTC).
    "ZC_DEFAULT_TIMEZONE": "Asia/Shanghai",
    # Coins and money: 1 coin = ZC_COIN_MINOR_UNITS minor units of ZC_CURRENCY; top-ups through
    # "sandbox" (credited at once) or "stripe"; settlement hold and payout minimum (minor units).
    "ZC_CURRENCY": "CNY",
    "ZC_COIN_MINOR_UNITS": 10,
    # None: "stripe" in production (which refuses "sandbox"), "sandbox" elsewhere.
    "ZC_PAYMENT_PROVIDER": None,
    "ZC_SETTLEMENT_HOLD_DAYS": 30,
    "ZC_PAYOUT_MINIMUM": 10000,
    # Outbox worker: attempts before giving up, backoff base and cap, lease and HTTP timeout (s).
    "ZC_OUTBOX_MAX_ATTEMPTS": 8,
    "ZC_OUTBOX_BACKOFF_SECONDS": 10,
    "ZC_OUTBOX_BACKOFF_MAX_SECONDS": 3600,
    "ZC_OUTBOX_LEASE_SECONDS": 60,
    "ZC_OUTBOX_TIMEOUT_SECONDS": 10,
    # Guarded outbound client (gateway/outbound.py) for every developer URL: host names or
    # networks allowed although internal (self-hosted set-ups, "hooks.corp,10.20.0.0/16"),
    # loopback allowed (development and tests only; `make run` turns it on for the Demo Site),
    # connect timeout (s) and the most of an answer's body read (bytes).
    "ZC_OUTBOUND_ALLOW_HOSTS": "",
    "ZC_OUTBOUND_ALLOW_LOOPBACK": False,
    "ZC_OUTBOUND_CONNECT_TIMEOUT": 3.0,
    "ZC_OUTBOUND_MAX_RESPONSE_BYTES": 65536,
    # Stripe (platform account): STRIPE_API_BASE points the client elsewhere (the tests' fake).
    "STRIPE_API_KEY": None,
    "STRIPE_WEBHOOK_SECRET": None,
    "STRIPE_API_BASE": None,
    "STRIPE_API_VERSION": "2026-10-28.endive",
    "STRIPE_MAX_NETWORK_RETRIES": 2,
    # OAuth provider: lifetimes in seconds, refresh reuse grace, id_token algorithm, token limits.
    "ZC_ACCESS_TOKEN_TTL": 7776000,
    "ZC_REFRESH_TOKEN_TTL": 15552000,
    "ZC_REFRESH_REUSE_GRACE": 10,
    # A refresh-token family's absolute lifetime from the original login (QQ Connect: three
    # months): past it no refresh works and the user logs in again.
    "ZC_REFRESH_FAMILY_TTL": 7776000,
    "ZC_CODE_TTL": 600,
    # Pushed authorization requests (RFC 9126): the browser must open a request_uri within
    # ZC_PAR_TTL seconds (the `expires_in` the app is told); once opened, login and consent have
    # ZC_PAR_FLOW_TTL seconds. Each request_uri answers one authorization response only.
    "ZC_PAR_TTL": 60,
    "ZC_PAR_FLOW_TTL": 600,
    "ZC_ID_TOKEN_TTL": 3600,
    # Lifetime of a back-channel logout token (seconds), counted from its signing at delivery.
    "ZC_LOGOUT_TOKEN_TTL": 120,
    "ZC_ID_TOKEN_ALG": "RS256",
    # The algorithm JWT access tokens (RFC 9068, for apps that choose them) are signed with:
    # ES256 or RS256 (bench/README.md compares the two on the code exchange).
    "ZC_ACCESS_TOKEN_ALG": "ES256",
    "ZC_APP_CACHE_TTL": 5,
    # Valid token checks kept per process (gateway/oauth/store/cached.py), evicted on change via
    # PostgreSQL NOTIFY. None: 30 s on PostgreSQL, off elsewhere; 0 turns it off.
    "ZC_TOKEN_CACHE_TTL": None,
    # At most this many checks per process (under 1 KB each: a full cache of 30,000 added
    # 22 MiB to a process in `python -m bench.memory`). A worker holds at most (its requests a
    # second x the TTL) distinct tokens at once anyway: 1,000 a second for 30 s.
    "ZC_TOKEN_CACHE_SIZE": 30_000,
    # DPoP proofs (RFC 9449, gateway/oauth/dpop.py): how far (s) a proof's iat may lie from now;
    # where the server's nonce is required ("token": the token endpoint, "all": resource
    # requests too, "none"), and how long (s) a nonce lives; the jti record kept per process
    # when REDIS_URL is unset (entries; with Redis every instance shares one).
    "ZC_DPOP_IAT_LEEWAY": 60,
    "ZC_DPOP_NONCE": "token",
    "ZC_DPOP_NONCE_TTL": 300,
    "ZC_DPOP_REPLAY_CACHE_SIZE": 100_000,
    "ZC_TOKEN_LIMIT_CLIENT": "120 per minute",
    "ZC_TOKEN_LIMIT_ADDRESS": "300 per minute",
    # Developer portal: how long an old appkey keeps working after a rotation (seconds).
    "ZC_APPKEY_ROTATION_OVERLAP": 24 * 3600,
    # Where developers get the SDK (the repository's sdk/ folder; it is not on PyPI): a git URL
    # the portal's quickstart installs from with pip, or None to say "in a clone of it".
    "ZC_REPOSITORY_URL": None,
    # After a webhook-secret rotation the previous secret also signs deliveries (a second
    # signature) for this many seconds, so a backlog stays verifiable while receivers switch.
    "ZC_WEBHOOK_SECRET_OVERLAP": 24 * 3600,
    # "Send test event" (portal and management API): at most this many per app.
    "ZC_WEBHOOK_TEST_LIMIT": "5 per minute",
    # A webhook endpoint whose deliveries have all failed for this many seconds: the developer
    # gets one mail for that run of failures (any success ends the run).
    "ZC_WEBHOOK_ALERT_AFTER": 3600,
    # ... and after this many seconds of failures only, the endpoint is disabled (with a mail);
    # what is queued for it is kept and sent when the developer enables it again.
    "ZC_WEBHOOK_DISABLE_AFTER": 3 * 24 * 3600,
    # `gateway demo` writes the Demo Site's appid/appkey/webhook secret here (default:
    # instance/demo_site.json) for `make run` to start examples/demo_site with.
    "ZC_DEMO_SITE_FILE": None,
    # Usage recorder: flush buffered counts every N events, or after a request once S seconds
    # passed; Redis keys (when REDIS_URL is set) start with the prefix.
    "ZC_USAGE_FLUSH_EVERY": 1000,
    "ZC_USAGE_FLUSH_SECONDS": 10,
    "ZC_USAGE_REDIS_PREFIX": "zc:usage:",
    # Auth event log (developers' view of their logins): events are kept and shown
    # ZC_AUTHLOG_RETENTION_DAYS days; each process writes its buffer every N events or after a
    # request once S seconds passed, and holds at most ZC_AUTHLOG_BUFFER_MAX pending events.
    "ZC_AUTHLOG_RETENTION_DAYS": 30,
    "ZC_AUTHLOG_FLUSH_EVERY": 500,
    "ZC_AUTHLOG_FLUSH_SECONDS": 5,
    "ZC_AUTHLOG_BUFFER_MAX": 50000,
    # Open API quotas per app and API: the default, per-API defaults ({"add_share": "60 per
    # minute"} or, from the environment, "add_share=60 per minute;me=1200 per minute").
    # Operators override them per app on /admin/apps/<appid>/quotas.
    "ZC_API_RATE_LIMIT": "600 per minute",
    "ZC_API_RATE_LIMITS": {},
    # Observability: "json" log lines (or "text"); who may read /metrics (CIDRs, or the token).
    "ZC_LOG_FORMAT": "json",
    "ZC_METRICS_ALLOW": "127.0.0.0/8,::1/128",
    "ZC_METRICS_TOKEN": None,
    # Files and photos (gateway/storage): None keeps them under instance/storage;
    # s3://bucket/prefix uses S3-compatible storage (boto3 credentials), ZC_STORAGE_ENDPOINT_URL
    # for MinIO and the like; signed URLs of private objects live ZC_STORAGE_URL_TTL seconds.
    "ZC_STORAGE_URL": None,
    "ZC_STORAGE_ENDPOINT_URL": None,
    "ZC_STORAGE_URL_TTL": 300,
    # Where the platform writes its files (SQLite database, development secret, demo file,
    # uploads). None: `instance/` beside a checkout; an installed package needs it set (the image:
    # /data). Never inside site-packages.
    "ZC_INSTANCE_PATH": None,
    # Scheduled jobs of `gateway worker` (gateway/scheduler): settlement of the month that ended,
    # hold releases and payouts are checked every ZC_SCHEDULE_INTERVAL s; payouts run once a
    # month from day ZC_PAYOUT_DAY (UTC) on; expired codes and tokens are purged every
    # ZC_PURGE_INTERVAL s, ZC_PURGE_BATCH_SIZE rows at a time.
    "ZC_SCHEDULE_INTERVAL": 60,
    "ZC_PAYOUT_DAY": 5,
    "ZC_PURGE_INTERVAL": 3600,
    "ZC_PURGE_BATCH_SIZE": 1000,
    # A file the worker touches at every loop (its container's health check reads its age).
    "ZC_WORKER_HEARTBEAT": None,
    # Photo albums: albums per user (or group), photos per album, upload size and pixel limits,
    # and how long a signed photo URL given to an app works (seconds).
    "ZC_ALBUMS_MAX": 100,
    "ZC_ALBUM_PHOTOS_MAX": 1000,
    "ZC_PHOTO_MAX_BYTES": 20 * 1024 * 1024,
    "ZC_PHOTO_MAX_PIXELS": 40_000_000,
    "ZC_PHOTO_URL_TTL": 3600,
    # Groups: default file limits (bytes per file, per group; operators may set a group's own),
    # invite links' default and longest lifetimes (hours).
    "ZC_GROUP_FILE_MAX_BYTES": 100 * 1024 * 1024,
    "ZC_GROUP_STORAGE_MAX_BYTES": 2 * 1024 * 1024 * 1024,
    "ZC_GROUP_INVITE_HOURS": 168,
    "ZC_GROUP_INVITE_MAX_HOURS": 720,
    # Group apps: posts an app may make per group per UTC day (operators set an app's own), and
    # the member count above which listing members needs the operator's review of the app.
    "ZC_GROUP_APP_DAILY_POSTS": 20,
    "ZC_GROUP_MEMBERS_REVIEW_THRESHOLD": 5000,
    # Mail (gateway/mail): ZC_SMTP_URL smtp://[user:pass@]host[:port] (add ?starttls=true),
    # smtps://... (TLS from the start); None keeps mail in the development outbox (/dev/mail),
    # which production refuses. Links in mail start with ZC_PUBLIC_URL (default: ZC_BASE_URL).
    "ZC_SMTP_URL": None,
    "ZC_SMTP_TIMEOUT": 10,
    "ZC_MAIL_FROM": "ZoneConnect <no-reply@zoneconnect.invalid>",
    "ZC_MAIL_MAX_ATTEMPTS": 8,
    # Account links: email verification lifetime (s); at most this many mails per address per hour.
    "ZC_EMAIL_LINK_TTL": 48 * 3600,
    "ZC_EMAIL_LIMIT": "5 per hour",
    # Password recovery: link lifetime (s); requests per caller address and per account.
    "ZC_RESET_LINK_TTL": 30 * 60,
    "ZC_RESET_LIMIT_ADDRESS": "10 per 15 minutes",
    "ZC_RESET_LIMIT_ACCOUNT": "3 per hour",
    # Leaving, and data (gateway/privacy, docs/privacy.md): a data export's download link and
    # file live ZC_EXPORT_TTL seconds; at most ZC_EXPORT_DAILY_LIMIT exports per account per day
    # (one in progress at a time); a deleted account is erased ZC_DELETION_GRACE_DAYS days after
    # the request, unless its owner logs in (or cancels) before.
    "ZC_EXPORT_TTL": 7 * 24 * 3600,
    "ZC_EXPORT_DAILY_LIMIT": 3,
    "ZC_DELETION_GRACE_DAYS": 14,
    # Second factors (gateway/mfa): a step-up check holds this long (s); wrong authenticator
    # codes in a row before the factor locks, and for how long (s); operators must use one to
    # act in the console (production refuses False); the WebAuthn RP ID (None: ZC_PUBLIC_URL's
    # host, else the request's).
    "ZC_STEP_UP_SECONDS": 600,
    "ZC_TOTP_MAX_FAILURES": 5,
    "ZC_TOTP_LOCK_SECONDS": 900,
    "ZC_OPERATOR_MFA": True,
    "ZC_WEBAUTHN_RP_ID": None,
}

# Environment variable -> config key, for names that do not follow the ZC_ prefix rule.
ENV_ALIASES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "ZC_SECRET_KEY": "SECRET_KEY",
    "SECRET_KEY": "SECRET_KEY",
    "REDIS_URL": "REDIS_URL",
    "LOG_LEVEL": "LOG_LEVEL",
}
ENV_PREFIXES = ("ZC_", "STRIPE_")


class ConfigError(RuntimeError):
    """The configuration cannot start the platform."""


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def from_environment(environ: Mapping[str, str], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Pick the platform's settings out of the environment, typed like their defaults."""
    found: dict[str, Any] = {}
    for name, raw in environ.items():
        key = ENV_ALIASES.get(name)
        if key is None and name.startswith(ENV_PREFIXES):
            key = name
        if key is None:
            continue
        found[key] = _coerce(raw, defaults.get(key))
    return found


def _development_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, shared by every worker of a dev server."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def build(instance_path: str, overrides: Mapping[str, Any] | None = None,
          environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and overrides, then fill the derived settings."""
    config = dict(DEFAULTS)
    config.update(from_environment(os.environ if environ is None else environ, DEFAULTS))
    config.update(overrides or {})
    env = config["ZC_ENV"]
    if config.get("TESTING"):
        env = config["ZC_ENV"] = "test"
    if not config["SECRET_KEY"]:
        if env == "production":
            raise ConfigError("ZC_SECRET_KEY must be set in production")
        config["SECRET_KEY"] = _development_secret(instance_path)
    if not config["SQLALCHEMY_DATABASE_URI"]:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path}/zoneconnect.db"
    from gateway.startup import normalize_database_url  # postgres:// as hosts hand it out

    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["RATELIMIT_STORAGE_URI"] is None:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "process://"
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = env == "production"
    if config["ZC_DPOP_NONCE"] not in {"token", "all", "none"}:  # a typo never turns it off
        raise ConfigError("ZC_DPOP_NONCE must be token, all or none")
    from gateway.security import settings  # derived settings; production's refusals

    settings.derive(config)
    if env == "production":
        if problems := settings.production_refusals(
                config, instance_path, os.environ if environ is None else environ):
            raise ConfigError(problems[0])
        _check_production_mail(config)
    return config


def _check_production_mail(config: Mapping[str, Any]) -> None:
    """Production mail goes through SMTP, with https links built from configuration only."""
    if not config["ZC_OPERATOR_MFA"]:
        raise ConfigError("ZC_OPERATOR_MFA cannot be turned off in production")
    if not config["ZC_SMTP_URL"]:
        raise ConfigError("ZC_SMTP_URL must be set in production (smtp://host:port or smtps://)")
    public = config["ZC_PUBLIC_URL"] or ""
    if not public.startswith("https://"):
        raise ConfigError("ZC_PUBLIC_URL (or ZC_BASE_URL) must be an https:// URL in production")

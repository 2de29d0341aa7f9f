"""App operations: registration, keys, permissions, who may use an app. Flush, never commit."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from gateway.accounts.models import User
from gateway.apps import scopes as scope_registry
from gateway.apps.errors import AppNotFound, AppNotLive, InvalidAppKey
from gateway.apps.models import APP_TYPES, FIRST_APPID, App, AppPermission, AppTestUser
from gateway.apps.names import imitation_problem
from gateway.audit import services as audit
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _, _l
from gateway.security.secrets import digest, matches, new_hex32
from gateway.timeutil import utcnow

LOOPBACK_HOSTS = {"127.0.0.1", "[::1]", "localhost"}


def check_redirect_uri(uri: str) -> str | None:
    """Why a redirect URI cannot be registered, or None when it can."""
    if len(uri) > 2000:
        return "Redirect URIs are at most 2000 characters."
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        return "Redirect URIs may not contain a fragment."
    if parts.scheme in ("http", "https"):
        try:
            port = parts.port
        except ValueError:
            return "The port must be a number from 1 to 65535."
        if port == 0 or not parts.hostname or parts.username is not None:
            return "Use an https URL with a host name (no user name, port 1 to 65535)."
    if parts.scheme == "https" and parts.netloc:
        return None
    if parts.scheme == "http" and parts.hostname in {"127.0.0.1", "::1", "localhost"}:
        return None
    if parts.scheme not in {"http", "https", ""} and "." in parts.scheme and parts.path:
        return None  # private-use scheme of a native app (RFC 8252 §7.1), e.g. com.example.app:/cb
    return "Use an https URL (http only for 127.0.0.1 / localhost)."


def validate_redirect_uris(uris: list[str]) -> list[str]:
    """Clean a list of redirect URIs or raise ValidationFailed naming the bad ones."""
    cleaned = [u.strip() for u in uris if u.strip()]
    problems = [f"{u[:80]}: {why}" for u in cleaned if (why := check_redirect_uri(u))]
    if not cleaned:
        problems.append("Register at least one redirect URI.")
    if problems:
        raise ValidationFailed({"redirect_uris": problems})
    return list(dict.fromkeys(cleaned))


def validate_post_logout_uris(uris: list[str]) -> list[str]:
    """Clean a list of post-logout redirect URIs (the redirect URI rules; none is fine)."""
    cleaned = [u.strip() for u in uris if u.strip()]
    problems = [f"{u[:80]}: {why}" for u in cleaned if (why := check_redirect_uri(u))]
    if problems:
        raise ValidationFailed({"post_logout_redirect_uris": problems})
    return list(dict.fromkeys(cleaned))


def name_taken(developer_id: int, name: str, *, except_app_id: int | None = None) -> bool:
    """Whether the developer already has another app with this name."""
    query = select(App.id).where(App.developer_id == developer_id, App.name == name)
    if except_app_id is not None:
        query = query.where(App.id != except_app_id)
    return db.session.scalar(query.limit(1)) is not None


def create_app(developer: User, *, name: str, redirect_uris: list[str], app_type: str = "web",
               scopes: list[str] | None = None, live: bool = False, website: str = "",
               description: str = "", category: str = "other") -> tuple[App, str]:
    """Register an app; returns it with its appkey, which is shown only this once."""
    problems: dict[str, list[str]] = {}
    if not name.strip() or len(name) > 64:
        problems["name"] = [_l("Give the app a name of 1 to 64 characters.")]
    elif why := imitation_problem(name):
        problems["name"] = [why]
    elif name_taken(developer.id, name.strip()):
        problems["name"] = [_("You already have an app called “%(name)s”: choose another name.",
                              name=name.strip())]
    if app_type not in APP_TYPES:
        problems["app_type"] = [_l("One of %(values)s.", values=", ".join(APP_TYPES))]
    if bad := scope_registry.unknown(list(scopes or [])):
        problems["scopes"] = [_l("Unknown scopes: %(names)s.", names=", ".join(bad))]
    if problems:
        raise ValidationFailed(problems)
    appkey = new_hex32()
    app = App(developer_id=developer.id, name=name.strip(), app_type=app_type,
              redirect_uris=validate_redirect_uris(redirect_uris), appkey_digest=digest(appkey),
              webhook_secret=secrets.token_hex(24), website=website, description=description,
              category=category, status="live" if live else "draft")
    db.session.add(app)
    try:
        db.session.flush()
    except IntegrityError:
        # Two registrations raced for one name and the unique index chose. No savepoint: on
        # SQLite its release would commit the request's work; the request fails as a whole.
        db.session.rollback()
        raise ValidationFailed({"name": [_(
            "You already have an app called “%(name)s”: choose another name.",
            name=name.strip())]}) from None
    app.appid = str(FIRST_APPID + app.id)
    for scope in sorted(scope_registry.DEFAULT_APP_SCOPES | set(scopes or [])):
        granted = live or scope in scope_registry.DEFAULT_APP_SCOPES
        app.permissions.append(AppPermission(
            scope=scope, status="granted" if granted else "requested",
            decided_at=utcnow() if granted else None))
    db.session.flush()
    audit.record("app.created", actor_id=developer.id, subject_type="app", subject_id=app.appid)
    return app, appkey


def find_by_appid(appid: str | None) -> App:
    """The app with this numeric appid, or AppNotFound (100008)."""
    if not appid or not appid.isdigit() or len(appid) > 16:
        raise AppNotFound()
    # Permissions load on first use: the token endpoints (client authentication) never need them.
    app = db.session.scalar(select(App).where(App.appid == appid)
                            .options(lazyload(App.permissions)))
    if app is None:
        raise AppNotFound()
    return app


def appkey_matches(appkey: str | None, current_digest: str, previous_digest: str | None,
                   previous_expires_at: datetime | None) -> bool:
    """The current key, or the previous one during a rotation overlap (constant time)."""
    if not appkey:
        return False
    if matches(appkey, current_digest):
        return True
    return bool(previous_expires_at and previous_expires_at > utcnow()
                and matches(appkey, previous_digest))


def verify_appkey(app: App, appkey: str | None) -> None:
    """Accept the current key, or the previous one during a rotation overlap; else 100009."""
    if not appkey_matches(appkey, app.appkey_digest, app.previous_appkey_digest,
                          app.previous_appkey_expires_at):
        raise InvalidAppKey()


def rotate_appkey(app: App, *, actor_id: int, overlap_seconds: int = 0) -> str:
    """Issue a new appkey; the old one keeps working for `overlap_seconds`. Audited."""
    appkey = new_hex32()
    if overlap_seconds > 0:
        app.previous_appkey_digest = app.appkey_digest
        app.previous_appkey_expires_at = utcnow() + timedelta(seconds=overlap_seconds)
    else:
        app.previous_appkey_digest = None
        app.previous_appkey_expires_at = None
    app.appkey_digest = digest(appkey)
    audit.record("app.appkey_rotated", actor_id=actor_id, subject_type="app",
                 subject_id=app.appid, overlap_seconds=overlap_seconds)
    db.session.flush()
    return appkey


def is_test_user(app: App, user_id: int) -> bool:
    return db.session.scalar(select(AppTestUser.id).where(
        AppTestUser.app_id == app.id, AppTestUser.user_id == user_id)) is not None


def ensure_usable_by(app: App, user_id: int | None) -> None:
    """A live app works for everyone; any other only for its developer and test users (100011)."""
    if app.is_live:
        return
    if app.status != "suspended" and user_id is not None and (
            user_id == app.developer_id or is_test_user(app, user_id)):
        return
    raise AppNotLive()


def add_test_user(app: App, user: User) -> None:
    """Let `user` log in to the app before it is live."""
    if not is_test_user(app, user.id):
        db.session.add(AppTestUser(app_id=app.id, user_id=user.id))
        db.session.flush()

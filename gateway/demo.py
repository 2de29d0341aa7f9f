"""Demo data for `make run`: the accounts of the design, created once."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select

from gateway.accounts import emails as accounts_emails
from gateway.accounts import services as accounts
from gateway.apps import services as apps
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.errors import ZoneConnectError
from gateway.extensions import db

DEMO_USERS = (
    # username, password, nickname, admin, profile
    ("alice", "alice-password", "Alice", False,
     {"gender": "female", "province": "Guangdong", "city": "Shenzhen", "birth_year": 1995}),
    ("devon", "devon-password", "Devon", False,
     {"gender": "male", "province": "Beijing", "city": "Beijing", "birth_year": 1988}),
    ("admin", "admin-password", "Operator", True, {}),
)


def seed() -> dict[str, Any]:
    """Create whatever part of the demo data is missing; return what exists."""
    created: list[str] = []
    for username, password, nickname, admin, profile in DEMO_USERS:
        user = accounts.find_by_username(username)
        if user is None:
            user = accounts.create_user(username, password, nickname=nickname, is_admin=admin)
            for field, value in profile.items():
                setattr(user, field, value)
            created.append(username)
        if user.email is None:
            accounts_emails.set_verified(user, f"{username}@example.com")
    demo_app = seed_demo_site()
    from gateway.developers import services as developers  # devon sees his apps in the portal

    devon = accounts.find_by_username("devon")
    if devon is not None and developers.profile_of(devon) is None:
        developers.open_profile(devon, name="Devon", contact_email="devon@example.com")
    return {"users": [u[0] for u in DEMO_USERS], "created": created, "demo_site": demo_app,
            "alice_coins": seed_alice_coins(), "communities": _communities()}


def _communities() -> dict[str, Any]:
    from gateway.demo_communities import seed_communities  # issue 13: groups, albums

    return seed_communities()


DEMO_COINS = 500
DEMO_COINS_KEY = "demo:alice-coins"


def seed_alice_coins() -> int:
    """Grant alice DEMO_COINS once (the ledger idempotency key); return her coin balance."""
    from gateway.ledger import services as ledger
    from gateway.wallet.services import grant

    alice = accounts.find_by_username("alice")
    if alice is None:
        return 0
    if ledger.find(DEMO_COINS_KEY) is None:  # checked first so the grant is audited once
        grant(alice.id, DEMO_COINS, key=DEMO_COINS_KEY)
    return ledger.coin_balance(alice.id)


DEMO_SITE = {"name": "Demo Site", "scopes": ["add_share", "pay", "get_vip_info",
                                            "get_group_list", "get_group_info",
                                            "get_group_members", "send_group_msg", "list_album",
                                            "add_album", "upload_pic"]}
# `make run` passes HOST, PORT and DEMO_PORT to both `gateway demo` and scripts/run_demo.py;
# these are its defaults, so the registered URIs and the served ports always agree.
ADDRESS_DEFAULTS = {"HOST": "127.0.0.1", "PORT": "8000", "DEMO_PORT": "8001"}


def demo_addresses(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The platform's and the Demo Site's URLs as `make run` serves them (HOST, PORT, DEMO_PORT)."""
    env = os.environ if environ is None else environ
    host, port, demo_port = (env.get(name) or default for name, default in ADDRESS_DEFAULTS.items())
    # A wildcard bind is still reached (and registered, http being loopback-only) as 127.0.0.1.
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - compared, not bound
        host = "127.0.0.1"
    return {"platform": f"http://{host}:{port}", "site": f"http://{host}:{demo_port}"}


def demo_site_registration(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the Demo Site must be registered with for this run's ports."""
    site = demo_addresses(environ)["site"]
    return {"redirect_uris": [f"{site}/callback"], "website": f"{site}/",
            "deauthorize_url": f"{site}/deauthorized",
            "post_logout_redirect_uris": [f"{site}/"],
            "backchannel_logout_uri": f"{site}/backchannel-logout"}


def seed_demo_site() -> dict[str, Any]:
    """Devon's live Demo Site; its appkey is printed only when it is first created."""
    devon = accounts.find_by_username("devon")
    assert devon is not None
    existing = db.session.scalar(select(App).where(
        App.developer_id == devon.id, App.name == DEMO_SITE["name"]))
    path = demo_site_file()
    wanted = demo_site_registration()
    if existing is not None:
        reregistered = _reregister(existing, wanted)
        if path is None or _stored_credentials_work(existing, path):
            if reregistered and path is not None:
                _write_credentials(existing, _stored_appkey(path), path)
            return {"appid": existing.appid, **({"reregistered": wanted} if reregistered else {})}
        # The demo site needs a key it can read: without overlap, as nobody else holds the old one.
        _write_credentials(existing, apps.rotate_appkey(existing, actor_id=devon.id), path)
        return {"appid": existing.appid, "credentials_file": path}
    app, appkey = apps.create_app(
        devon, name=DEMO_SITE["name"], redirect_uris=wanted["redirect_uris"],
        website=wanted["website"], scopes=DEMO_SITE["scopes"], live=True,
        description="The example third-party site that logs in with the ZoneConnect SDK.")
    app.deauthorize_url = wanted["deauthorize_url"]
    app.post_logout_redirect_uris = wanted["post_logout_redirect_uris"]
    app.backchannel_logout_uri = wanted["backchannel_logout_uri"]
    if path is None:
        return {"appid": app.appid, "appkey": appkey}
    _write_credentials(app, appkey, path)
    return {"appid": app.appid, "appkey": appkey, "credentials_file": path}


def demo_site_file() -> str | None:
    """Where `make run` finds the Demo Site's appid, appkey and webhook secret (tests that do
    not name a file write none, so they never touch the working tree's instance folder)."""
    configured = current_app.config.get("ZC_DEMO_SITE_FILE")
    if configured:
        return str(configured)
    if current_app.testing:
        return None
    return os.path.join(current_app.instance_path, "demo_site.json")


def _reregister(app: App, wanted: Mapping[str, Any]) -> bool:
    """Point the Demo Site's URIs at this run's port (`PORT=9000 make run`); True if changed."""
    changed = sorted(field for field, value in wanted.items() if getattr(app, field) != value)
    for field in changed:
        setattr(app, field, wanted[field])
    if changed:
        audit.record("app.updated", actor_id=app.developer_id, subject_type="app",
                     subject_id=app.appid, fields=changed)
        db.session.flush()
    return bool(changed)


def _stored_appkey(path: str) -> str:
    with open(path) as handle:
        return str(json.load(handle)["appkey"])


def _stored_credentials_work(app: App, path: str) -> bool:
    """Whether the credentials file names this app with a key that still verifies."""
    try:
        with open(path) as handle:
            stored = json.load(handle)
        apps.verify_appkey(app, str(stored["appkey"]))
    except (OSError, ValueError, KeyError, TypeError, ZoneConnectError):
        return False
    return bool(stored.get("appid") == app.appid)


def _write_credentials(app: App, appkey: str, path: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds a secret
    with os.fdopen(fd, "w") as handle:
        json.dump({"appid": app.appid, "appkey": appkey, "webhook_secret": app.webhook_secret,
                   "redirect_uris": app.redirect_uris}, handle, indent=2)
        handle.write("\n")

"""Demo data for `make run`: the accounts of the design, created once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.accounts import services as accounts
from gateway.apps import services as apps
from gateway.apps.models import App
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
    demo_app = seed_demo_site()
    return {"users": [u[0] for u in DEMO_USERS], "created": created, "demo_site": demo_app}


DEMO_SITE = {"name": "Demo Site", "redirect_uris": ["http://127.0.0.1:8001/callback"],
             "website": "http://127.0.0.1:8001/", "scopes": ["add_share", "pay", "get_vip_info"]}


def seed_demo_site() -> dict[str, Any]:
    """Devon's live Demo Site; its appkey is printed only when it is first created."""
    devon = accounts.find_by_username("devon")
    assert devon is not None
    existing = db.session.scalar(select(App).where(
        App.developer_id == devon.id, App.name == DEMO_SITE["name"]))
    if existing is not None:
        return {"appid": existing.appid}
    app, appkey = apps.create_app(
        devon, name=DEMO_SITE["name"], redirect_uris=DEMO_SITE["redirect_uris"],
        website=DEMO_SITE["website"], scopes=DEMO_SITE["scopes"], live=True,
        description="The example third-party site that logs in with the ZoneConnect SDK.")
    return {"appid": app.appid, "appkey": appkey}

"""Demo data for `make run`: the accounts of the design, created once."""

from __future__ import annotations

from typing import Any

from gateway.accounts import services as accounts

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
    return {"users": [u[0] for u in DEMO_USERS], "created": created}

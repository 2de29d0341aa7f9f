"""Group-app fixtures: a group with members, a live app with the group permissions, tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from gateway.apps.services import create_app
from gateway.extensions import db
from gateway.groups import services as groups
from tests.groups.conftest import Pages, pages  # noqa: F401
from tests.openapi.world import World

GROUP_SCOPES = ["get_user_info", "get_group_list", "get_group_info", "get_group_members",
                "send_group_msg"]


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    # The token cache on (explicitly, as one process) to show it never keeps a group's access.
    return {"ZC_APP_CACHE_TTL": 0, "ZC_BASE_URL": "https://zc.example",
            "ZC_STORAGE_URL": f"file://{tmp_path}/store", "ZC_TOKEN_CACHE_TTL": 30}


@dataclass
class Club:
    world: World
    group: Any
    owner: Any
    fan: Any  # a member who authorized the app
    quiet: Any  # a member who never authorized it
    other_app: Any

    def token(self, user: Any, app: Any = None) -> Any:
        return self.world.token(GROUP_SCOPES, user=user, app=app)


def make_app(developer: Any, name: str) -> Any:
    app, _ = create_app(developer, name=name, redirect_uris=["https://site.example/cb"],
                        scopes=GROUP_SCOPES[1:], live=True)
    return app


@pytest.fixture
def club(factory: Any) -> Club:
    developer = factory.user("devon")
    owner, fan, quiet = factory.user("olga"), factory.user("fanny"), factory.user("quinn")
    app, other = make_app(developer, "Club App"), make_app(developer, "Other App")
    group = groups.create_group(owner.id, {"name": "Demo Club", "description": "d"})
    groups.add_member(group, fan.id)
    groups.add_member(group, quiet.id)
    db.session.commit()
    return Club(World(developer, owner, app, ""), group, owner, fan, quiet, other)


def bearer(token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.access_token}"}

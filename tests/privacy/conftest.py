"""A lived-in account for the privacy tests: coins, an order, an app's grant and token, an avatar,
an album with a photo, a share, a friend, a group; the SMTP server and a loopback receiver."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from gateway.accounts import services as accounts
from gateway.accounts.models import User
from gateway.albums import services as albums
from gateway.extensions import db
from gateway.friends import services as friends
from gateway.groups import services as groups
from gateway.oauth import tokens
from gateway.scheduler.runner import SCHEDULE, run_job
from gateway.shares import services as shares
from tests.money_helpers import Shop, make_shop, pay_order

JOBS = {job.name: job for job in SCHEDULE}


def run(name: str, now: Any = None) -> dict[str, Any]:
    """Run one scheduled job as the worker does."""
    result = run_job(JOBS[name], now)
    db.session.expire_all()
    return result


def picture(fmt: str = "JPEG", colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, fmt)
    return out.getvalue()


class Receiver:
    """A werkzeug server on loopback recording each callback's body and signature header."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []

        @Request.application
        def handle(request: Request) -> Response:
            self.received.append((request.get_data(),
                                  request.headers.get("ZoneConnect-Signature", "")))
            return Response("", status=200)

        self.server = make_server("127.0.0.1", 0, handle, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/deauthorize"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def app_config(smtp_server: Any) -> dict[str, Any]:
    return {"ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": "https://id.example.com",
            "ZC_OUTBOUND_ALLOW_LOOPBACK": True, "ZC_APP_CACHE_TTL": 0}


@dataclass
class Person:
    shop: Shop
    user: Any
    friend: Any
    album: Any
    photo: Any
    group: Any
    access_token: str
    order_id: str
    user_id: int = 0
    username: str = ""
    email: str = ""
    appid: str = ""

    def __post_init__(self) -> None:
        self.user_id, self.username, self.email = (self.user.id, self.user.username,
                                                   self.user.email)
        self.appid = self.shop.app.appid


@pytest.fixture
def person(factory: Any) -> Person:
    shop = make_shop(factory, coins=100)
    user = db.session.get(User, shop.user_id)
    user.nickname, user.city = "Wanderer", "Hangzhou"
    accounts.set_avatar(user, picture("PNG", (10, 120, 200)))
    friend = factory.user("pal")
    friends.send_request(user.id, friend.id)
    friends.accept(friend.id, user.id)
    album = albums.create_album(user.id, {"name": "Trips", "privacy": "public"})
    photo = albums.add_photo(album, user.id, io.BytesIO(picture()), title="Lake")
    shares.create(user.id, shop.app.id, {"title": "A good read", "url": "https://news.example/1",
                                         "summary": "", "comment": "see this", "images": [],
                                         "site": "", "fromurl": ""}, "api")
    group = groups.create_group(friend.id, {"name": "Hikers", "visibility": "public"})
    groups.add_member(group, user.id)
    issued = tokens.issue_tokens(shop.app, user.id, ["get_user_info"],
                                 grant_type="authorization_code")
    db.session.commit()
    order_id = pay_order(shop, 30)
    return Person(shop, user, friend, album, photo, group, issued.access_token, order_id)

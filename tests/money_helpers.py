"""Shared setup for the money tests: a developer's live app with `pay`, a consenting user."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from gateway.apps import services as apps
from gateway.apps.models import App
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from gateway.identity.services import openid_for
from gateway.ledger import services as ledger
from gateway.outbox.models import WebhookEndpoint
from gateway.wallet.services import grant


@dataclass
class Shop:
    app: App
    appkey: str
    developer_id: int
    user_id: int
    username: str
    openid: str

    @property
    def headers(self) -> dict[str, str]:
        return basic(self.app.appid or "", self.appkey)

    def order_body(self, amount: int = 60, **extra: Any) -> dict[str, Any]:
        return {"openid": self.openid, "amount": amount, "item_id": "sword-1",
                "item_name": "Sword", **extra}


def basic(appid: str, appkey: str) -> dict[str, str]:
    token = base64.b64encode(f"{appid}:{appkey}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def add_endpoint(app: App, url: str, event_types: list[str] | None = None) -> WebhookEndpoint:
    """A webhook endpoint of the app signed with the app's webhook secret (as migration 0179
    made each app's single webhook URL its first endpoint); no URL check: tests use loopback."""
    endpoint = WebhookEndpoint(app_id=app.id, url=url, event_types=event_types or [],
                               secret=app.webhook_secret, enabled=True, disabled_reason="")
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def webhook_endpoint(app: App) -> WebhookEndpoint:
    """The app's first webhook endpoint."""
    from gateway.outbox.endpoints import endpoints_of

    return endpoints_of(app)[0]


def make_shop(factory: Any, coins: int = 0, *, consent: bool = True,
              website: str = "", endpoint: bool = True) -> Shop:
    """A developer with a live app holding `pay` (and, unless `endpoint` is false, a webhook
    endpoint that answers nothing), and a user who granted it `coins` coins."""
    developer = factory.user()
    user = factory.user()
    app, appkey = apps.create_app(developer, name="Sword Shop",
                                  redirect_uris=["https://shop.example/cb"], scopes=["pay"],
                                  live=True, website=website)
    if endpoint:
        add_endpoint(app, "http://127.0.0.1:9/hook")
    if consent:
        record_consent(user.id, app.id, ["get_user_info", "pay"])
    openid = openid_for(user.id, app)
    if coins:
        grant(user.id, coins)
    db.session.commit()
    return Shop(app, appkey, developer.id, user.id, user.username, openid)


def pay_order(shop: Shop, amount: int) -> str:
    """Create and pay an order through the services; returns its id."""
    from gateway.payments import services
    from gateway.payments.schemas import parse_order

    order = services.create_order(shop.app, shop.user_id, parse_order(shop.order_body(amount)))
    services.pay(order.id, shop.user_id)
    db.session.commit()
    return order.id


def coins(user_id: int) -> int:
    db.session.expire_all()
    return ledger.coin_balance(user_id)

"""`client.orders`: sell virtual goods for coins (app-authenticated with app_id:app_key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _requests as req
from .._base import BaseClient
from .._models import Order
from .._sansio import Plan, parse_json

if TYPE_CHECKING:
    from .._async_client import AsyncClient
    from .._client import Client


def create_plan(client: BaseClient, *, openid: str, amount: int, item_id: str, item_name: str,
                notify_url: str | None, idempotency_key: str | None,
                return_url: str | None = None) -> Plan[Order]:
    """Plan: POST /api/v1/payments/orders with an Idempotency-Key (generated when not given)."""
    if amount <= 0:
        raise ValueError("amount must be a positive number of coins")
    body: dict[str, object] = {"openid": openid, "amount": amount, "item_id": item_id,
                               "item_name": item_name}
    if notify_url is not None:
        body["notify_url"] = notify_url
    if return_url is not None:
        body["return_url"] = return_url
    key = idempotency_key or req.new_idempotency_key()
    spec = req.create_order(client._config, body, key)
    return client._call(spec, lambda r: parse_json(r, Order.from_json))


def retrieve_plan(client: BaseClient, order_id: str) -> Plan[Order]:
    """Plan: GET /api/v1/payments/orders/<id>."""
    return client._call(req.retrieve_order(client._config, order_id),
                        lambda r: parse_json(r, Order.from_json))


def refund_plan(client: BaseClient, order_id: str, idempotency_key: str | None) -> Plan[Order]:
    """Plan: POST /api/v1/payments/orders/<id>/refund with an Idempotency-Key."""
    key = idempotency_key or req.new_idempotency_key()
    return client._call(req.refund_order(client._config, order_id, key),
                        lambda r: parse_json(r, Order.from_json))


class Orders:
    """Blocking `client.orders`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, *, openid: str, amount: int, item_id: str, item_name: str,
               notify_url: str | None = None, idempotency_key: str | None = None,
               return_url: str | None = None) -> Order:
        """Create a pending order; send the user to its `confirm_url` to pay (they come back
        to `return_url`, a page of your site, else to its website)."""
        return self._client._run(create_plan(
            self._client, openid=openid, amount=amount, item_id=item_id, item_name=item_name,
            notify_url=notify_url, idempotency_key=idempotency_key, return_url=return_url))

    def retrieve(self, order_id: str) -> Order:
        """Read an order."""
        return self._client._run(retrieve_plan(self._client, order_id))

    def refund(self, order_id: str, *, idempotency_key: str | None = None) -> Order:
        """Refund a paid order."""
        return self._client._run(refund_plan(self._client, order_id, idempotency_key))


class AsyncOrders:
    """Async `client.orders`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(self, *, openid: str, amount: int, item_id: str, item_name: str,
                     notify_url: str | None = None, idempotency_key: str | None = None,
                     return_url: str | None = None) -> Order:
        """Create a pending order; send the user to its `confirm_url` to pay (they come back
        to `return_url`, a page of your site, else to its website)."""
        return await self._client._run(create_plan(
            self._client, openid=openid, amount=amount, item_id=item_id, item_name=item_name,
            notify_url=notify_url, idempotency_key=idempotency_key, return_url=return_url))

    async def retrieve(self, order_id: str) -> Order:
        """Read an order."""
        return await self._client._run(retrieve_plan(self._client, order_id))

    async def refund(self, order_id: str, *, idempotency_key: str | None = None) -> Order:
        """Refund a paid order."""
        return await self._client._run(refund_plan(self._client, order_id, idempotency_key))

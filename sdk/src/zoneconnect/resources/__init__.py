"""Resource namespaces: `client.shares` and `client.orders`."""

from __future__ import annotations

from .orders import AsyncOrders, Orders
from .shares import AsyncShares, Shares

__all__ = ["AsyncOrders", "AsyncShares", "Orders", "Shares"]

"""Resource namespaces: `client.shares`, `client.orders`, `client.groups`, `client.albums`."""

from __future__ import annotations

from .albums import Albums, AsyncAlbums
from .groups import AsyncGroups, Groups
from .orders import AsyncOrders, Orders
from .shares import AsyncShares, Shares

__all__ = ["Albums", "AsyncAlbums", "AsyncGroups", "AsyncOrders", "AsyncShares", "Groups",
           "Orders", "Shares"]

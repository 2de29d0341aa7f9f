"""`client.shares`: post, list and delete shares on the user's behalf (scope add_share)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx

from .. import _requests as req
from .._base import BaseClient
from .._models import Share, SharePage
from .._sansio import Plan, parse_json
from .._tokens import Token

if TYPE_CHECKING:
    from .._async_client import AsyncClient
    from .._client import Client


def _share_body(title: str, url: str, summary: str | None, comment: str | None,
                images: Sequence[str] | None, site: str | None,
                fromurl: str | None) -> dict[str, object]:
    body: dict[str, object] = {"title": title, "url": url}
    optional: dict[str, Any] = {"summary": summary, "comment": comment, "site": site,
                                "fromurl": fromurl}
    body.update({k: v for k, v in optional.items() if v is not None})
    if images is not None:
        body["images"] = list(images)
    return body


def _page(body: dict[str, Any]) -> SharePage:
    return SharePage(data=tuple(Share.from_json(s) for s in body["data"]),
                     has_more=bool(body.get("has_more")))


def _none(response: httpx.Response) -> None:
    return None


def create_plan(client: BaseClient, token: Token, body: dict[str, object]) -> Plan[Share]:
    """Plan: POST /api/v1/shares."""
    return client._authed(token, lambda t: req.create_share(client._config, t, body),
                          lambda r: parse_json(r, Share.from_json))


def list_plan(client: BaseClient, token: Token, limit: int, before: str | None) -> Plan[SharePage]:
    """Plan: GET /api/v1/shares."""
    return client._authed(token, lambda t: req.list_shares(client._config, t, limit, before),
                          lambda r: parse_json(r, _page))


def delete_plan(client: BaseClient, token: Token, share_id: str) -> Plan[None]:
    """Plan: DELETE /api/v1/shares/<id>."""
    return client._authed(token, lambda t: req.delete_share(client._config, t, share_id), _none)


class Shares:
    """Blocking `client.shares`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, token: Token, *, title: str, url: str, summary: str | None = None,
               comment: str | None = None, images: Sequence[str] | None = None,
               site: str | None = None, fromurl: str | None = None) -> Share:
        """Post a share for the user (up to 9 image URLs)."""
        body = _share_body(title, url, summary, comment, images, site, fromurl)
        return self._client._run(create_plan(self._client, token, body))

    def list(self, token: Token, *, limit: int = 20, before: str | None = None) -> SharePage:
        """One page of the shares this app posted for the user, newest first."""
        return self._client._run(list_plan(self._client, token, limit, before))

    def delete(self, token: Token, share_id: str) -> None:
        """Delete one of this app's shares."""
        self._client._run(delete_plan(self._client, token, share_id))


class AsyncShares:
    """Async `client.shares`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(self, token: Token, *, title: str, url: str, summary: str | None = None,
                     comment: str | None = None, images: Sequence[str] | None = None,
                     site: str | None = None, fromurl: str | None = None) -> Share:
        """Post a share for the user (up to 9 image URLs)."""
        body = _share_body(title, url, summary, comment, images, site, fromurl)
        return await self._client._run(create_plan(self._client, token, body))

    async def list(self, token: Token, *, limit: int = 20,
                   before: str | None = None) -> SharePage:
        """One page of the shares this app posted for the user, newest first."""
        return await self._client._run(list_plan(self._client, token, limit, before))

    async def delete(self, token: Token, share_id: str) -> None:
        """Delete one of this app's shares."""
        await self._client._run(delete_plan(self._client, token, share_id))
